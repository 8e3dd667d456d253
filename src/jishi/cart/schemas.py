"""API shapes of the cart."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from jishi.cart.service import MAX_LINES, MAX_QUANTITY
from jishi.core.ids import ID_LENGTH
from jishi.core.schemas import StrictBody

Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY, description=f"1..{MAX_QUANTITY}")]
ItemId = Annotated[StrictStr, Field(min_length=1, max_length=ID_LENGTH)]


class CartItemIn(StrictBody):
    sku_id: ItemId
    quantity: Quantity = 1


class CartItemPatch(StrictBody):
    quantity: Quantity | None = None
    selected: StrictBool | None = None


class SelectionIn(StrictBody):
    """Select or deselect lines; without ``item_ids``, every line (全选)."""

    selected: StrictBool
    item_ids: Annotated[list[ItemId], Field(max_length=MAX_LINES)] | None = None


class LineWarning(BaseModel):
    code: str
    message: str
    blocking: bool


class CartItemOut(BaseModel):
    id: str
    sku_id: str
    product_id: str | None
    shop_id: str | None
    title: str | None
    specs: dict[str, str]
    image_url: str | None
    quantity: int
    selected: bool
    unit_price_fen: int | None
    price_when_added_fen: int
    subtotal_fen: int
    available: int
    purchasable: bool
    warnings: list[LineWarning]


class CartShopOut(BaseModel):
    shop_id: str
    shop_name: str
    items: list[CartItemOut]
    item_subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    payable_fen: int


class CartOut(BaseModel):
    """The cart grouped by shop; totals cover the selected lines that can be bought."""

    items: list[CartItemOut]
    shops: list[CartShopOut]
    item_count: int
    selected_count: int
    item_subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    total_fen: int
