"""Pricing (计价): lines, rules and buyer in, an itemised breakdown out. Pure: no database, HTTP or clock.

``price`` runs a pipeline of stages; further discount stages (promotions, coupons, member prices,
points) plug in without changing callers.
"""

from jishi.pricing.model import (
    DEFAULT_SHOP_SHIPPING,
    Adjustment,
    Breakdown,
    BuyerContext,
    LineBreakdown,
    PriceLine,
    PricingRules,
    ShopBreakdown,
    ShopShipping,
)
from jishi.pricing.pipeline import DEFAULT_STAGES, price
from jishi.pricing.stages import FlatShipping, ListPrice, Stage

__all__ = [
    "DEFAULT_SHOP_SHIPPING",
    "DEFAULT_STAGES",
    "Adjustment",
    "Breakdown",
    "BuyerContext",
    "FlatShipping",
    "LineBreakdown",
    "ListPrice",
    "PriceLine",
    "PricingRules",
    "ShopBreakdown",
    "ShopShipping",
    "Stage",
    "price",
]
