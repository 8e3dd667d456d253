"""A priced quote of lines (SKU + quantity): what the cart shows and what checkout charges.

It reads the SKUs' offers and the shops' terms as they are now, says what is
wrong with each line (off shelf, sold out, short, repriced, shop closed), and
runs the sellable lines through the pricing pipeline. Prices come only from here,
never from the client.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jishi.catalog.offers import SkuOffer, sku_offers
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.money import format_yuan
from jishi.pricing import Breakdown, BuyerContext, PriceLine, PricingRules, ShopShipping, price
from jishi.pricing.contributors import CONTRIBUTORS, PricingRequest
from jishi.shops.service import ShopTerms

# code → (zh, en); the cart shows the message, checkout refuses with the code.
LINE_PROBLEMS: dict[str, tuple[str, str]] = {
    "shop_closed": ("店铺已暂停营业", "The shop is not open"),
    "off_shelf": ("商品已下架", "No longer on sale"),
    "out_of_stock": ("已售罄", "Sold out"),
    "over_stock": ("库存仅剩 {available} 件", "Only {available} left"),
    "repriced": ("价格已变动（加入时 {was}）", "Price changed (was {was})"),
}


@dataclass(frozen=True)
class QuoteRequest:
    line_id: str
    sku_id: str
    quantity: int
    price_when_added_fen: int | None = None


@dataclass(frozen=True)
class LineProblem:
    code: str
    blocking: bool
    params: dict[str, str] = field(default_factory=dict)

    def message(self, locale: str) -> str:
        zh, en = LINE_PROBLEMS[self.code]
        return (en if locale == "en" else zh).format(**self.params)


@dataclass(frozen=True)
class QuotedLine:
    request: QuoteRequest
    offer: SkuOffer | None
    problems: tuple[LineProblem, ...]

    @property
    def sellable(self) -> bool:
        return self.offer is not None and not any(p.blocking for p in self.problems)


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuotedLine, ...]
    shops: dict[str, ShopTerms]
    breakdown: Breakdown  # of the sellable lines among those asked to be priced

    def line(self, line_id: str) -> QuotedLine:
        return self._by_line_id[line_id]

    @functools.cached_property
    def _by_line_id(self) -> dict[str, QuotedLine]:
        # A cart of 200 lines looks each one up: a scan per lookup would be quadratic.
        return {q.request.line_id: q for q in self.lines}


def _problems(request: QuoteRequest, offer: SkuOffer, terms: ShopTerms | None) -> tuple[LineProblem, ...]:
    found: list[LineProblem] = []
    if terms is None or not terms.is_active:
        found.append(LineProblem("shop_closed", True))
    if not offer.on_sale:
        found.append(LineProblem("off_shelf", True))
    elif offer.available <= 0:
        found.append(LineProblem("out_of_stock", True))
    elif offer.available < request.quantity:
        found.append(LineProblem("over_stock", True, {"available": str(offer.available)}))
    was = request.price_when_added_fen
    if was is not None and was != offer.price_fen:
        found.append(LineProblem("repriced", False, {"was": format_yuan(was)}))
    return tuple(found)


async def quote(
    uow: UnitOfWork,
    ctx: AppContext,
    requests: Sequence[QuoteRequest],
    *,
    buyer_id: str | None,
    province: str | None = None,
    priced: set[str] | None = None,
    choices: Mapping[str, Any] | None = None,
) -> Quote:
    """Quote ``requests``; only lines in ``priced`` (all when None) count in the breakdown.
    ``choices`` are the buyer's checkout options the pricing contributors read (coupons …)."""
    offers = await sku_offers(uow, ctx.storage, (r.sku_id for r in requests))
    return await quote_offers(
        uow, ctx, requests, offers, buyer_id=buyer_id, province=province, priced=priced, choices=choices
    )


async def quote_offers(
    uow: UnitOfWork,
    ctx: AppContext,
    requests: Sequence[QuoteRequest],
    offers: Mapping[str, SkuOffer],
    *,
    buyer_id: str | None,
    province: str | None = None,
    priced: set[str] | None = None,
    choices: Mapping[str, Any] | None = None,
) -> Quote:
    """``quote`` with the offers already read (they carry their shops' terms). The stages
    come from the pricing contributors (``jishi.pricing.contributors``)."""
    terms = {o.shop_id: o.shop for o in offers.values() if o.shop is not None}
    lines = tuple(
        QuotedLine(
            r, offers.get(r.sku_id), _problems(r, offers[r.sku_id], terms.get(offers[r.sku_id].shop_id))
        )
        if r.sku_id in offers
        else QuotedLine(r, None, (LineProblem("off_shelf", True),))
        for r in requests
    )
    to_price = [q for q in lines if q.sellable and (priced is None or q.request.line_id in priced)]
    request = PricingRequest(
        lines=tuple(_price_line(q) for q in to_price),
        buyer=BuyerContext(user_id=buyer_id, province=province),
        rules=PricingRules(
            shipping={
                shop_id: ShopShipping(t.shipping_fee_fen, t.free_shipping_over_fen)
                for shop_id, t in terms.items()
            }
        ),
        choices=choices or {},
    )
    stages = await CONTRIBUTORS.stages(uow, ctx, request)
    return Quote(lines, terms, price(request.lines, request.buyer, request.rules, stages))


def _price_line(q: QuotedLine) -> PriceLine:
    offer = q.offer
    assert offer is not None
    return PriceLine(
        line_id=q.request.line_id,
        shop_id=offer.shop_id,
        sku_id=offer.sku_id,
        product_id=offer.product_id,
        category_id=offer.category_id,
        unit_price_fen=offer.price_fen,
        quantity=q.request.quantity,
        weight_g=offer.weight_g,
    )
