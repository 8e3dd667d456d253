"""What goes into pricing (计价) and what comes out: lines, buyer, rules, and the itemised breakdown.

All amounts are integer fen (分).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PriceLine:
    """One cart or order line as priced (计价行).

    ``unit_price_fen`` is the SKU's current list price (标价) as the server reads it, never the client's.
    """

    line_id: str
    shop_id: str
    sku_id: str
    product_id: str
    category_id: str
    unit_price_fen: int
    quantity: int
    weight_g: int = 0

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"line {self.line_id!r}: quantity must be at least 1")
        if self.unit_price_fen < 0:
            raise ValueError(f"line {self.line_id!r}: unit_price_fen must not be negative")
        if self.weight_g < 0:
            raise ValueError(f"line {self.line_id!r}: weight_g must not be negative")

    @property
    def subtotal_fen(self) -> int:
        """List price × quantity (小计)."""
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class BuyerContext:
    """Who is buying, and where to (收货省份), as far as it is known."""

    user_id: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class ShopShipping:
    """A shop's flat shipping fee (运费), waived at ``free_over_fen`` (满额包邮).

    The threshold is compared with the shop's item subtotal after discounts.
    """

    flat_fee_fen: int = 0
    free_over_fen: int | None = None

    def __post_init__(self) -> None:
        if self.flat_fee_fen < 0:
            raise ValueError("flat_fee_fen must not be negative")
        if self.free_over_fen is not None and self.free_over_fen < 0:
            raise ValueError("free_over_fen must not be negative")

    def fee_for(self, item_subtotal_fen: int) -> int:
        """The fee for a shop whose goods come to ``item_subtotal_fen`` after discounts."""
        if self.free_over_fen is not None and item_subtotal_fen >= self.free_over_fen:
            return 0
        return self.flat_fee_fen


DEFAULT_SHOP_SHIPPING = ShopShipping(flat_fee_fen=0)


@dataclass(frozen=True)
class PricingRules:
    """The rules in force for one pricing run; ``shipping`` is keyed by shop id."""

    shipping: Mapping[str, ShopShipping] = field(default_factory=dict)
    default_shipping: ShopShipping = DEFAULT_SHOP_SHIPPING

    def shipping_for(self, shop_id: str) -> ShopShipping:
        return self.shipping.get(shop_id, self.default_shipping)


@dataclass(frozen=True)
class Adjustment:
    """One discount (优惠) by source, e.g. ``promotion``, ``coupon``, ``member_price``, ``points``.

    ``amount_fen`` is positive for money taken off.
    """

    source: str
    label: str
    amount_fen: int


@dataclass(frozen=True)
class LineBreakdown:
    """One line priced: its share of every discount and of its shop's shipping; ``payable_fen`` is 应付.

    ``position`` is the line's index in the input to ``price``.
    """

    line_id: str
    shop_id: str
    sku_id: str
    unit_price_fen: int
    quantity: int
    subtotal_fen: int
    discounts: tuple[Adjustment, ...]
    discount_fen: int
    shipping_fen: int
    payable_fen: int
    position: int = 0


@dataclass(frozen=True)
class ShopBreakdown:
    """One shop's part of the order (店铺小计); every amount is the sum over its lines."""

    shop_id: str
    lines: tuple[LineBreakdown, ...]
    item_subtotal_fen: int
    discounts: tuple[Adjustment, ...]
    discount_fen: int
    shipping_fen: int
    payable_fen: int


@dataclass(frozen=True)
class Breakdown:
    """The whole order priced (价格明细); shops in order of first appearance among the lines."""

    shops: tuple[ShopBreakdown, ...]
    item_subtotal_fen: int
    discounts: tuple[Adjustment, ...]
    discount_fen: int
    shipping_fen: int
    payable_fen: int

    def lines(self) -> tuple[LineBreakdown, ...]:
        """All lines, in input order."""
        return tuple(sorted((line for shop in self.shops for line in shop.lines), key=lambda x: x.position))

    def line(self, line_id: str) -> LineBreakdown:
        for shop in self.shops:
            for line in shop.lines:
                if line.line_id == line_id:
                    return line
        raise KeyError(line_id)

    def shop(self, shop_id: str) -> ShopBreakdown:
        for shop in self.shops:
            if shop.shop_id == shop_id:
                return shop
        raise KeyError(shop_id)
