"""Event handlers that keep the search index in step with the catalog and the shops.

``product.changed`` (``{"product_id"}``) is published by the catalog when a product is
created, edited, published, taken off the shelf, or its prices or stock change;
``shop.active`` / ``shop.suspended`` (``{"shop_id"}``) by the shop review. Handlers re-read
the current state, so they are idempotent and the order of delivery does not matter.
"""

from __future__ import annotations

from typing import Any

import structlog

from jishi.core.db import Database
from jishi.core.events import subscribe
from jishi.search import indexer

log = structlog.get_logger(__name__)


def _id(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if isinstance(value, str) and 0 < len(value) <= 64:
        return value
    log.warning("search.bad_event_payload", key=key)
    return None


@subscribe("product.changed")
async def on_product_changed(payload: dict[str, Any], database: Database) -> None:
    product_id = _id(payload, "product_id")
    if product_id is not None:
        await indexer.index_products(database, [product_id])


@subscribe("shop.active")
@subscribe("shop.suspended")
async def on_shop_status_changed(payload: dict[str, Any], database: Database) -> None:
    shop_id = _id(payload, "shop_id")
    if shop_id is not None:
        await indexer.index_shop(database, shop_id)
