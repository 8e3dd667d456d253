"""Event handlers that keep the search index in step with the catalog and the shops.

``ProductChanged`` is published by the catalog when a product is created, edited, published,
taken off the shelf, or its prices or stock change; ``AvailabilityChanged`` by inventory when
a product sells out or comes back;
``ShopActivated`` / ``ShopSuspended`` by the shop review. Handlers re-read the current
state, so they are idempotent and the order of delivery does not matter. They are wired to
their events in ``jishi.bootstrap``.
"""

from __future__ import annotations

from jishi.catalog.events import ProductChanged
from jishi.core.context import AppContext
from jishi.inventory.events import AvailabilityChanged
from jishi.search import indexer
from jishi.shops.events import ShopReviewed


async def on_product_changed(event: ProductChanged | AvailabilityChanged, ctx: AppContext) -> None:
    await indexer.index_products(ctx.database, [event.product_id])


async def on_shop_status_changed(event: ShopReviewed, ctx: AppContext) -> None:
    await indexer.index_shop(ctx.database, event.shop_id)
