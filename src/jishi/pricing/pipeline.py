"""``price``: run the stages over a fresh working state and itemise the result (价格明细)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from jishi.pricing.model import (
    Adjustment,
    Breakdown,
    BuyerContext,
    LineBreakdown,
    PriceLine,
    PricingRules,
    ShopBreakdown,
)
from jishi.pricing.stages import FlatShipping, LineState, ListPrice, PricingState, Stage

DEFAULT_STAGES: tuple[Stage, ...] = (ListPrice(), FlatShipping())


def price(
    lines: Sequence[PriceLine],
    context: BuyerContext,
    rules: PricingRules,
    stages: Sequence[Stage] | None = None,
) -> Breakdown:
    """Price ``lines`` for this buyer under these rules; ``stages`` default to ``DEFAULT_STAGES``."""
    state = PricingState(lines)
    for stage in DEFAULT_STAGES if stages is None else stages:
        stage.apply(state, context, rules)
    shops = tuple(_shop(shop_id, state) for shop_id in state.shop_ids)
    return Breakdown(
        shops=shops,
        item_subtotal_fen=sum(shop.item_subtotal_fen for shop in shops),
        discounts=_sum_by_source((shop.discounts for shop in shops), state.labels),
        discount_fen=sum(shop.discount_fen for shop in shops),
        shipping_fen=sum(shop.shipping_fen for shop in shops),
        payable_fen=sum(shop.payable_fen for shop in shops),
    )


def _shop(shop_id: str, state: PricingState) -> ShopBreakdown:
    lines = tuple(_line(entry, state.labels) for entry in state.shop_lines(shop_id))
    return ShopBreakdown(
        shop_id=shop_id,
        lines=lines,
        item_subtotal_fen=sum(line.subtotal_fen for line in lines),
        discounts=_sum_by_source((line.discounts for line in lines), state.labels),
        discount_fen=sum(line.discount_fen for line in lines),
        shipping_fen=sum(line.shipping_fen for line in lines),
        payable_fen=sum(line.payable_fen for line in lines),
    )


def _line(entry: LineState, labels: Mapping[str, str]) -> LineBreakdown:
    if entry.remaining_fen < 0:
        raise ValueError(f"line {entry.line.line_id!r}: discounts exceed its subtotal")
    return LineBreakdown(
        line_id=entry.line.line_id,
        shop_id=entry.line.shop_id,
        sku_id=entry.line.sku_id,
        unit_price_fen=entry.line.unit_price_fen,
        quantity=entry.line.quantity,
        subtotal_fen=entry.subtotal_fen,
        discounts=tuple(
            Adjustment(source, label, entry.discounts[source])
            for source, label in labels.items()
            if entry.discounts.get(source, 0)
        ),
        discount_fen=entry.discount_fen,
        shipping_fen=entry.shipping_fen,
        payable_fen=entry.remaining_fen + entry.shipping_fen,
        position=entry.position,
    )


def _sum_by_source(
    groups: Iterable[tuple[Adjustment, ...]], labels: Mapping[str, str]
) -> tuple[Adjustment, ...]:
    totals = dict.fromkeys(labels, 0)
    for group in groups:
        for adjustment in group:
            totals[adjustment.source] += adjustment.amount_fen
    return tuple(Adjustment(source, labels[source], amount) for source, amount in totals.items() if amount)
