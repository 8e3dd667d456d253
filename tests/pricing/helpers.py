"""Test-only discount stages, showing how promotions, coupons and the like plug into the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jishi.pricing import BuyerContext, FlatShipping, ListPrice, PriceLine, PricingRules, Stage
from jishi.pricing.stages import PricingState


def line(
    line_id: str, shop_id: str, unit_price_fen: int, quantity: int = 1, category_id: str = "c1"
) -> PriceLine:
    return PriceLine(
        line_id=line_id,
        shop_id=shop_id,
        sku_id=f"sku-{line_id}",
        product_id=f"product-{line_id}",
        category_id=category_id,
        unit_price_fen=unit_price_fen,
        quantity=quantity,
    )


@dataclass(frozen=True)
class PercentOffShop:
    """A shop-wide percentage promotion (店铺折扣) on what is still payable."""

    shop_id: str
    percent: int
    source: str = "promotion"
    name: ClassVar[str] = "percent_off_shop"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        if self.shop_id in state.shop_ids:
            amount = state.shop_remaining_fen(self.shop_id) * self.percent // 100
            state.discount_shop(self.shop_id, self.source, f"{self.percent}% off", amount)


@dataclass(frozen=True)
class OrderDiscount:
    """A fixed order-level discount (满减/平台券), possibly larger than the whole order."""

    amount_fen: int
    source: str = "coupon"
    name: ClassVar[str] = "order_discount"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        state.discount_order(self.source, f"{self.amount_fen} fen off", self.amount_fen)


@dataclass(frozen=True)
class PerUnitOff:
    """A per-unit price cut on one category (会员价), applied line by line."""

    category_id: str
    fen_per_unit: int
    source: str = "member_price"
    name: ClassVar[str] = "per_unit_off"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        for entry in state.lines:
            if entry.line.category_id == self.category_id:
                amount = self.fen_per_unit * entry.line.quantity
                state.discount_line(entry.line.line_id, self.source, "member price", amount)


def with_discounts(*discounts: Stage) -> tuple[Stage, ...]:
    """The default pipeline with discount stages between list price and shipping."""
    return (ListPrice(), *discounts, FlatShipping())
