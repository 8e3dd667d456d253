"""API shapes of checkout and orders.

Checkout bodies ignore fields they do not know rather than refusing them: a
client that sends its own prices or totals is not wrong to be ignored, and is
never believed (prices come from the server at submit time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from jishi.cart.schemas import ItemId, Quantity
from jishi.cart.service import MAX_LINES
from jishi.core.schemas import StrictBody
from jishi.orders.models import ORDER_STATUSES

OrderStatus = Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"]
DeliveryMethod = Literal["express"]
assert set(OrderStatus.__args__) == set(ORDER_STATUSES)  # type: ignore[attr-defined]


class _IgnoringBody(StrictBody):
    model_config = ConfigDict(extra="ignore")


class OrderItemIn(_IgnoringBody):
    sku_id: ItemId
    quantity: Quantity


class ShopOptionsIn(_IgnoringBody):
    """Per-shop choices: how it is delivered and a note for the merchant (买家留言)."""

    shop_id: ItemId
    delivery_method: DeliveryMethod = "express"
    note: Annotated[StrictStr, Field(max_length=200)] = ""


def _declare_one_source(schema: dict[str, Any]) -> None:
    """``oneOf``: exactly one of ``items`` and ``cart_item_ids`` is a list."""
    branches = []
    for source in ("items", "cart_item_ids"):
        declared = schema["properties"][source]
        array = next(s for s in declared.get("anyOf", [declared]) if s.get("type") == "array")
        branches.append({"required": [source], "properties": {source: array}})
    schema["oneOf"] = branches


class CheckoutIn(_IgnoringBody):
    """Either ``items`` (buy now, 立即购买) or ``cart_item_ids`` (from the cart), not both."""

    model_config = ConfigDict(json_schema_extra=lambda schema: _declare_one_source(schema))

    address_id: ItemId
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=MAX_LINES)] | None = None
    cart_item_ids: Annotated[list[ItemId], Field(min_length=1, max_length=MAX_LINES)] | None = None
    shops: Annotated[list[ShopOptionsIn], Field(max_length=MAX_LINES)] = []

    @model_validator(mode="after")
    def _one_source(self) -> CheckoutIn:
        if (self.items is None) == (self.cart_item_ids is None):
            raise ValueError("give either items or cart_item_ids")
        return self


class AdjustmentOut(BaseModel):
    source: str
    label: str
    amount_fen: int


class PreviewLineOut(BaseModel):
    line_id: str
    sku_id: str
    product_id: str | None
    title: str | None
    specs: dict[str, str]
    image_url: str | None
    quantity: int
    unit_price_fen: int | None
    subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    payable_fen: int
    discounts: list[AdjustmentOut]
    purchasable: bool
    problems: list[str]


class PreviewShopOut(BaseModel):
    shop_id: str
    shop_name: str
    lines: list[PreviewLineOut]
    item_subtotal_fen: int
    discounts: list[AdjustmentOut]
    discount_fen: int
    shipping_fen: int
    payable_fen: int
    delivery_method: DeliveryMethod
    note: str


class PreviewOut(BaseModel):
    """The priced breakdown of a checkout; nothing is reserved."""

    shops: list[PreviewShopOut]
    item_subtotal_fen: int
    discounts: list[AdjustmentOut]
    discount_fen: int
    shipping_fen: int
    total_fen: int
    can_submit: bool


class PlacedOrderOut(BaseModel):
    id: str
    order_no: str
    shop_id: str
    status: OrderStatus
    total_fen: int


class PlacedPaymentOut(BaseModel):
    id: str
    amount_fen: int
    status: str
    expires_at: datetime


class CheckoutOut(BaseModel):
    orders: list[PlacedOrderOut]
    payment: PlacedPaymentOut


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    image_url: str | None
    unit_price_fen: int
    quantity: int
    subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    payable_fen: int


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    from_status: str | None
    to_status: str
    actor: str
    reason: str


class ShippingAddressOut(BaseModel):
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class OrderSummaryOut(BaseModel):
    id: str
    order_no: str
    shop_id: str
    shop_name: str
    status: OrderStatus
    total_fen: int
    item_count: int
    payment_id: str
    created_at: datetime
    pay_deadline_at: datetime | None
    lines: list[OrderLineOut]


class ShopContactOut(BaseModel):
    """The buyer's contact as a shop sees it: masked phone; once shipped, a masked name and
    no street line (``detail`` null)."""

    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str | None


class ShopOrderSummaryOut(OrderSummaryOut):
    # Null before payment and once cancelled: the shop has nothing to send.
    address: ShopContactOut | None


class _OrderDetailOut(OrderSummaryOut):
    buyer_id: str
    item_subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    discounts: list[AdjustmentOut]
    delivery_method: str
    buyer_note: str
    carrier_code: str | None
    carrier_name: str | None
    tracking_no: str | None
    cancel_reason: str | None
    auto_complete_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    timeline: list[TimelineEntryOut]
    # Alias of ``lines`` named as the contract names it.
    items: list[OrderLineOut]


class OrderOut(_OrderDetailOut):
    """An order as its buyer sees it, with the full address they gave."""

    address: ShippingAddressOut


class ShopOrderOut(_OrderDetailOut):
    """An order as its shop sees it (see ``orders.service.contact_for_shop``)."""

    address: ShopContactOut | None


class OrderStatusOut(BaseModel):
    id: str
    status: OrderStatus


class CancelIn(StrictBody):
    reason: Annotated[StrictStr, Field(max_length=200)] = ""


class ShipIn(StrictBody):
    carrier_code: Annotated[StrictStr, Field(min_length=1, max_length=16)]
    tracking_no: Annotated[StrictStr, Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


class StatusCountsOut(BaseModel):
    counts: dict[str, int]


class CarrierOut(BaseModel):
    code: str
    name: str
    name_en: str
