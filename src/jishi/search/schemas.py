"""API shapes of the search package."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from jishi.core.schemas import StrictBody

Sort = Literal["relevance", "sales", "price_asc", "price_desc", "newest", "rating"]


class ProductHitOut(BaseModel):
    id: str
    title: str
    subtitle: str
    highlight: str = Field(description="The title, HTML-escaped, with <em>…</em> around matched words")
    price_fen: int = Field(description="The lowest SKU price")
    price_max_fen: int
    shop_id: str
    brand_id: str | None
    brand_name: str
    category_id: str
    sales_count: int
    rating_avg: float
    in_stock: bool
    image_url: str | None


class CategoryFacet(BaseModel):
    id: str
    name: str
    level: int
    count: int


class BrandFacet(BaseModel):
    id: str
    name: str
    count: int


class PriceRangeFacet(BaseModel):
    min_fen: int
    max_fen: int | None = Field(description="Exclusive; null: no upper bound")
    count: int


class SpecValueFacet(BaseModel):
    value: str
    count: int


class SpecFacet(BaseModel):
    name: str
    values: list[SpecValueFacet]


class FacetsOut(BaseModel):
    categories: list[CategoryFacet]
    brands: list[BrandFacet]
    price_ranges: list[PriceRangeFacet]
    specs: list[SpecFacet]


class ProductSearchOut(BaseModel):
    items: list[ProductHitOut]
    next_cursor: str | None
    total: int = Field(description="Matching products, counted up to 10 000")
    total_is_exact: bool = Field(description="false: there are more than `total` (show 10 000+)")
    facets: FacetsOut | None = Field(default=None, description="With facets=true")


class SuggestionOut(BaseModel):
    text: str
    kind: Literal["query", "product"]
    product_id: str | None


class HotQueryOut(BaseModel):
    query: str
    count: int


SynonymTerm = Annotated[str, Field(min_length=1, max_length=30)]


class SynonymIn(StrictBody):
    terms: Annotated[list[SynonymTerm], Field(min_length=2, max_length=20)]


class SynonymOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    terms: list[str]
    created_at: datetime
    updated_at: datetime
