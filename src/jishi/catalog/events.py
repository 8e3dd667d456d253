"""Events the catalog publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from jishi.core.events import Event


class ProductChanged(Event):
    """A product was created, edited, published, taken off the shelf or deleted, or its
    prices, stock or availability changed (商品变更): readers re-read it."""

    topic: ClassVar[str] = "product.changed"
    product_id: str


class CategoryChanged(Event):
    """A category was created, renamed, re-templated, moved, enabled or disabled (类目变更)."""

    topic: ClassVar[str] = "category.changed"
    category_id: str
