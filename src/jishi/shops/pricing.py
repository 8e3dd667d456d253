"""Shops' part in pricing: each shop's flat shipping fee (运费), free over its threshold.

A pricing contributor (``jishi.pricing.contributors``), registered in ``jishi.bootstrap``.
The terms themselves are read with the SKU offers (``with_shop_terms``) and reach pricing as
``PricingRules.shipping``; freight templates will replace this contributor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jishi.pricing import FlatShipping, Stage
from jishi.pricing.contributors import PricingRequest, StagesOnly

if TYPE_CHECKING:
    from jishi.core.context import AppContext
    from jishi.core.db import UnitOfWork

_STAGES: tuple[Stage, ...] = (FlatShipping(),)


class FlatShippingRule(StagesOnly):
    source = "shipping"

    async def stages(self, uow: UnitOfWork, ctx: AppContext, request: PricingRequest) -> Sequence[Stage]:
        return _STAGES
