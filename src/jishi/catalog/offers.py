"""What a buyer is offered for a SKU right now, for carts and checkout.

Read straight from the database (never from the product-page cache): a cart
must see the price and availability of this moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, select

from jishi.catalog.models import Product, ProductMedia, Sku
from jishi.core.db import UnitOfWork
from jishi.core.storage import Storage


@dataclass(frozen=True)
class SkuOffer:
    sku_id: str
    product_id: str
    shop_id: str
    category_id: str
    title: str
    specs: dict[str, str]
    price_fen: int
    available: int
    weight_g: int
    on_sale: bool  # the product is on sale and this SKU enabled (the shop is checked apart)
    image_url: str | None


async def sku_offers(uow: UnitOfWork, storage: Storage, sku_ids: Iterable[str]) -> dict[str, SkuOffer]:
    """Offers of these SKUs, with their product's main image, in one query whatever their
    number; unknown ids are absent."""
    ids = sorted(set(sku_ids))
    if not ids:
        return {}
    rows = (
        await uow.session.execute(
            select(
                Sku.id,
                Sku.product_id,
                Sku.shop_id,
                Product.category_id,
                Product.title,
                Sku.specs,
                Sku.price_fen,
                Sku.stock - Sku.reserved,
                Sku.weight_g,
                (Product.status == "on_sale") & Sku.is_enabled,
                ProductMedia.variants,
            )
            .join(Product, Product.id == Sku.product_id)
            .outerjoin(
                ProductMedia,
                and_(ProductMedia.id == Product.main_image_id, ProductMedia.product_id == Product.id),
            )
            .where(Sku.id.in_(ids), Product.status != "draft")
        )
    ).all()
    return {
        r[0]: SkuOffer(
            *r[:9],
            on_sale=bool(r[9]),
            image_url=_thumb_url(storage, r[10]),
        )
        for r in rows
    }


def _thumb_url(storage: Storage, variants: dict[str, str] | None) -> str | None:
    """The main image's thumbnail address (only that one: a cart prices up to 200 lines)."""
    key = (variants or {}).get("thumb")
    return storage.url(key) if key is not None else None
