"""What a buyer is offered for a SKU right now, for carts and checkout.

Read straight from the database (never from the product-page cache): a cart
must see the price and availability of this moment.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, select

from jishi.catalog.models import Product, ProductMedia, Sku
from jishi.core.db import UnitOfWork, any_of
from jishi.core.storage import Storage
from jishi.shops.service import ShopTerms, shop_terms_of, with_shop_terms


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
    shop: ShopTerms | None  # read in the same statement


async def sku_offers(uow: UnitOfWork, storage: Storage, sku_ids: Iterable[str]) -> dict[str, SkuOffer]:
    """Offers of these SKUs, with their product's main image and their shop's terms, in one
    query whatever their number; unknown ids are absent."""
    ids = sorted(set(sku_ids))
    if not ids:
        return {}
    rows = (await uow.execute(_offers_statement(uow.database.dialect), {"ids": ids})).all()
    return {
        r[0]: SkuOffer(
            sku_id=r[0],
            product_id=r[1],
            shop_id=r[2],
            category_id=r[3],
            title=r[4],
            specs=r[5],
            price_fen=r[6],
            available=r[7],
            weight_g=r[8],
            on_sale=bool(r[9]),
            image_url=_thumb_url(storage, r[10]),
            shop=shop_terms_of(r[11:16]),
        )
        for r in rows
    }


@functools.cache
def _offers_statement(dialect: str) -> Select[Any]:
    """Built once per dialect: every cart and checkout request runs it."""
    skus, products, media = Sku.__table__.c, Product.__table__.c, ProductMedia.__table__.c
    offers = (
        select(
            skus.id,
            skus.product_id,
            skus.shop_id,
            products.category_id,
            products.title,
            skus.specs,
            skus.price_fen,
            skus.stock - skus.reserved,
            skus.weight_g,
            (products.status == "on_sale") & skus.is_enabled,
            media.variants,
        )
        .select_from(Sku.__table__)
        .join(Product.__table__, products.id == skus.product_id)
        .outerjoin(
            ProductMedia.__table__,
            and_(media.id == products.main_image_id, media.product_id == products.id),
        )
        .where(any_of(dialect, skus.id, "ids"), products.status != "draft")
    )
    return with_shop_terms(offers, skus.shop_id)


def _thumb_url(storage: Storage, variants: dict[str, str] | None) -> str | None:
    """The main image's thumbnail address (only that one: a cart prices up to 200 lines)."""
    key = (variants or {}).get("thumb")
    return storage.url(key) if key is not None else None
