"""API shapes of the catalog package."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from jishi.core.schemas import NonBlank, StrictBody

ProductStatus = Literal["draft", "on_sale", "off_shelf"]
MAX_FEN = 10_000_000_000  # ¥100 million: well above any listing, well inside 64 bits
MAX_STOCK = 10_000_000
MAX_SKUS = 200


Name = Annotated[NonBlank, Field(max_length=50)]
SpecName = Annotated[NonBlank, Field(max_length=20)]
SpecValue = Annotated[NonBlank, Field(max_length=40)]
Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]
PositiveFen = Annotated[StrictInt, Field(ge=1, le=MAX_FEN)]
Stock = Annotated[StrictInt, Field(ge=0, le=MAX_STOCK)]
Weight = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Barcode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$")]


class SpecTemplateItem(StrictBody):
    name: SpecName
    options: Annotated[list[SpecValue], Field(max_length=100)] = []


class CategoryIn(StrictBody):
    name: Name
    parent_id: str | None = None
    sort_order: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    spec_template: Annotated[list[SpecTemplateItem], Field(max_length=10)] = []


class CategoryUpdateIn(StrictBody):
    name: Name | None = None
    parent_id: str | None = Field(default=None, description="Move under this category")
    move_to_root: bool = False
    sort_order: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    spec_template: Annotated[list[SpecTemplateItem], Field(max_length=10)] | None = None
    is_enabled: bool | None = None


class SpecTemplateOut(BaseModel):
    name: str
    options: list[str]


class ProductSpecOut(BaseModel):
    name: str
    values: list[str]


class CategoryOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    level: int
    sort_order: int
    is_enabled: bool
    spec_template: list[SpecTemplateOut]


class CategoryNode(CategoryOut):
    children: list[CategoryNode] = []


class CategoryDetailOut(CategoryOut):
    breadcrumb: list[CategoryOut]
    children: list[CategoryOut]


class BrandIn(StrictBody):
    name: Name
    name_en: Annotated[str, Field(max_length=100)] = ""
    description: Annotated[str, Field(max_length=2000)] = ""


class BrandUpdateIn(StrictBody):
    name: Name | None = None
    name_en: Annotated[str, Field(max_length=100)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    is_enabled: bool | None = None


class BrandOut(BaseModel):
    id: str
    name: str
    name_en: str
    description: str
    is_enabled: bool


class ProductSpecIn(StrictBody):
    name: SpecName
    values: Annotated[list[SpecValue], Field(min_length=1, max_length=100)]


class SkuIn(StrictBody):
    specs: Annotated[dict[SpecName, SpecValue], Field(max_length=5)] = {}
    price_fen: PositiveFen
    market_price_fen: PositiveFen | None = None
    stock: Stock = 0
    weight_g: Weight = 0
    barcode: Barcode | None = None


class ProductIn(StrictBody):
    title: Annotated[NonBlank, Field(max_length=120)]
    subtitle: Annotated[str, Field(max_length=200)] = ""
    category_id: Annotated[str, Field(max_length=40)]
    brand_id: Annotated[str, Field(max_length=40)] | None = None
    description: Annotated[str, Field(max_length=100_000)] = ""
    specs: Annotated[list[ProductSpecIn], Field(max_length=5)] | None = None
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=MAX_SKUS)]


class ProductUpdateIn(StrictBody):
    title: Annotated[NonBlank, Field(max_length=120)] | None = None
    subtitle: Annotated[str, Field(max_length=200)] | None = None
    category_id: Annotated[str, Field(max_length=40)] | None = None
    brand_id: Annotated[str, Field(max_length=40)] | None = None
    clear_brand: bool = False
    description: Annotated[str, Field(max_length=100_000)] | None = None


class SkuMatrixIn(StrictBody):
    """Replace a product's specs and SKUs. SKUs whose spec values already exist keep their ids."""

    specs: Annotated[list[ProductSpecIn], Field(max_length=5)] | None = None
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=MAX_SKUS)]


class SkuUpdateIn(StrictBody):
    price_fen: PositiveFen | None = None
    market_price_fen: PositiveFen | None = None
    stock: Stock | None = None
    weight_g: Weight | None = None
    barcode: Barcode | None = None
    is_enabled: bool | None = None


class SkuOut(BaseModel):
    """A SKU as its shop sees it. ``stock`` is on hand (在库), the figure the merchant sets;
    ``reserved`` is held by open orders (预占); ``available_stock`` is what buyers can still
    order, on hand minus reserved."""

    id: str
    specs: dict[str, str]
    price_fen: int
    market_price_fen: int | None
    stock: int
    reserved: int
    available_stock: int
    weight_g: int
    barcode: str | None
    is_enabled: bool
    available: bool


class PublicSkuOut(BaseModel):
    """A SKU on the buyer's product page: ``available_stock`` is what can still be ordered
    (on hand minus reserved), never the shop's on-hand count."""

    id: str
    specs: dict[str, str]
    price_fen: int
    market_price_fen: int | None
    available: bool
    available_stock: int


class ShopBrief(BaseModel):
    id: str
    name: str


class ProductOut(BaseModel):
    """A product as its shop sees it (any status)."""

    id: str
    shop_id: str
    title: str
    subtitle: str
    status: ProductStatus
    category_id: str
    brand_id: str | None
    brand: BrandOut | None
    description: str
    specs: list[ProductSpecOut]
    skus: list[SkuOut]
    price_min_fen: int
    price_max_fen: int
    stock_total: int
    sales_count: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ProductListItem(BaseModel):
    id: str
    title: str
    image_url: str | None
    status: ProductStatus
    price_fen: int
    price_max_fen: int
    stock_total: int
    sales_count: int
    updated_at: datetime


class PageMediaUrls(BaseModel):
    original: str
    large: str | None = None
    medium: str | None = None
    thumb: str | None = None


class PageMediaOut(BaseModel):
    id: str
    kind: Literal["image", "video"]
    is_main: bool
    width: int | None
    height: int | None
    urls: PageMediaUrls


class ProductDetailOut(BaseModel):
    """The product detail page (商品详情) a buyer sees."""

    id: str
    title: str
    subtitle: str
    shop_id: str
    shop: ShopBrief
    status: ProductStatus
    category: CategoryOut
    breadcrumb: list[CategoryOut]
    brand: BrandOut | None
    description: str
    specs: list[ProductSpecOut]
    skus: list[PublicSkuOut]
    price_fen: int
    price_min_fen: int
    price_max_fen: int
    market_price_fen: int | None
    sales_count: int
    rating_avg: float
    review_count: int
    in_stock: bool
    media: list[PageMediaOut]


class StatusOut(BaseModel):
    id: str
    status: ProductStatus


class ImportedProduct(BaseModel):
    product_ref: str
    id: str
    rows: list[int]


class ImportRowError(BaseModel):
    row: int
    field: str
    message: str


class ImportReportOut(BaseModel):
    created_count: int
    failed_count: int
    created: list[ImportedProduct]
    errors: list[ImportRowError]


class LowStockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    on_hand: int
    reserved: int
    available: int
    status: str
