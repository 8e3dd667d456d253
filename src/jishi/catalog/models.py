"""Tables of the catalog package.

A product (SPU, 商品) belongs to one shop and one platform category; its
SKUs (库存单位) are the combinations of its spec values (规格), each with its
own price, stock, weight and barcode. Price range and total stock are kept on
the product so lists and search never touch the SKU table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH

PRODUCT_STATUSES = ("draft", "on_sale", "off_shelf")
MAX_CATEGORY_DEPTH = 3


class Category(Base):
    """A node of the platform's category tree (类目), at most three levels deep.

    ``path`` is the materialised path of ids (``/a/b/c/``), so "this category
    and all below it" is one prefix match.
    """

    __tablename__ = "categories"
    __table_args__ = (Index("ix_categories_parent_sort", "parent_id", "sort_order"),)

    id: Mapped[str] = id_column()
    parent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("categories.id"))
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(100), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Spec template (规格模板): [{"name": "颜色", "options": ["黑", "白"]}, ...]
    spec_template: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Brand(Base):
    """A brand (品牌), managed by the platform."""

    __tablename__ = "brands"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(50), unique=True)
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Product(Base):
    """A product (SPU, 商品) of one shop."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_shop_status", "shop_id", "status", "id"),
        Index("ix_products_category_status", "category_id", "status"),
        CheckConstraint("price_min_fen >= 0 AND price_max_fen >= price_min_fen", name="price_range"),
    )

    id: Mapped[str] = id_column()
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("shops.id"))
    category_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("categories.id"))
    brand_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("brands.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    # Sale specs, in display order: [{"name": "颜色", "values": ["黑", "白"]}, ...]
    specs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    price_min_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    price_max_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    market_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    stock_total: Mapped[int] = mapped_column(Integer, default=0)
    sales_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_avg: Mapped[float] = mapped_column(Float, default=0.0)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    main_image_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Sku(Base):
    """A stock-keeping unit (SKU): one combination of a product's spec values."""

    __tablename__ = "skus"
    __table_args__ = (
        Index("uq_skus_product_spec_key", "product_id", "spec_key", unique=True),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= stock", name="reserved_within_stock"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
    )

    id: Mapped[str] = id_column()
    product_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("products.id", ondelete="CASCADE"))
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("shops.id"), index=True)
    # {"颜色": "黑", "存储容量": "256GB"}; spec_key is its canonical form, unique per product.
    specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    spec_key: Mapped[str] = mapped_column(String(500))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    market_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    # On hand (在库) and reserved for unpaid or unshipped orders (预占); available = stock - reserved.
    # Both are inventory's counters (``inventory.counters``): only that package writes them.
    stock: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    barcode: Mapped[str | None] = mapped_column(String(64))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProductMedia(Base):
    """An image or the video of a product. Files live in the storage backend
    under ``storage_key``; ``variants`` maps thumbnail sizes to their keys."""

    __tablename__ = "product_media"
    __table_args__ = (Index("ix_product_media_product_position", "product_id", "kind", "position"),)

    id: Mapped[str] = id_column()
    product_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("products.id", ondelete="CASCADE"))
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(8))  # image | video
    storage_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    variants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
