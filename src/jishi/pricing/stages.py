"""The working state of a pricing run, the ``Stage`` protocol, and the built-in stages.

A stage (计价环节) reads the state and changes it in place. Discount stages (promotions, coupons,
member prices, points) go between ``ListPrice`` and ``FlatShipping``, so the free-shipping threshold
sees the discounted subtotal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from jishi.core.money import allocate
from jishi.pricing.model import BuyerContext, PriceLine, PricingRules


@dataclass
class LineState:
    """One line while it is being priced; ``discounts`` holds fen by source."""

    line: PriceLine
    position: int
    subtotal_fen: int = 0
    discounts: dict[str, int] = field(default_factory=dict)
    shipping_fen: int = 0

    @property
    def discount_fen(self) -> int:
        return sum(self.discounts.values())

    @property
    def remaining_fen(self) -> int:
        """What is still payable on the goods (应付, before shipping)."""
        return self.subtotal_fen - self.discount_fen


class PricingState:
    """The mutable state stages work on. Discounts go through ``discount_*`` so they stay exact.

    ``labels`` maps each discount source to its label, in order of first application; a source keeps
    the label it was first applied with.
    """

    def __init__(self, lines: Sequence[PriceLine]) -> None:
        self.lines: tuple[LineState, ...] = tuple(LineState(line, i) for i, line in enumerate(lines))
        self._by_id: dict[str, LineState] = {}
        self._by_shop: dict[str, list[LineState]] = {}
        self.labels: dict[str, str] = {}
        for entry in self.lines:
            if entry.line.line_id in self._by_id:
                raise ValueError(f"line {entry.line.line_id!r} appears twice")
            self._by_id[entry.line.line_id] = entry
            self._by_shop.setdefault(entry.line.shop_id, []).append(entry)

    @property
    def shop_ids(self) -> tuple[str, ...]:
        """Shops in order of first appearance among the lines."""
        return tuple(self._by_shop)

    def line(self, line_id: str) -> LineState:
        return self._by_id[line_id]

    def shop_lines(self, shop_id: str) -> tuple[LineState, ...]:
        return tuple(self._by_shop[shop_id])

    def shop_remaining_fen(self, shop_id: str) -> int:
        """The shop's item subtotal after the discounts so far."""
        return sum(entry.remaining_fen for entry in self._by_shop[shop_id])

    def discount_lines(self, line_ids: Iterable[str], source: str, label: str, amount_fen: int) -> int:
        """Take up to ``amount_fen`` off these lines (优惠), split by what each still has payable.

        Capped at what is left payable on the lines, so nothing goes negative. Returns the amount
        actually taken off.
        """
        if amount_fen < 0:
            raise ValueError("a discount must not be negative")
        if not source:
            raise ValueError("a discount needs a source")
        targets = self._distinct(line_ids)
        weights = [entry.remaining_fen for entry in targets]
        applied = min(amount_fen, sum(weights))
        if applied == 0:
            return 0
        self.labels.setdefault(source, label)
        for entry, part in zip(targets, allocate(applied, weights), strict=True):
            if part:
                entry.discounts[source] = entry.discounts.get(source, 0) + part
        return applied

    def discount_line(self, line_id: str, source: str, label: str, amount_fen: int) -> int:
        return self.discount_lines([line_id], source, label, amount_fen)

    def discount_shop(self, shop_id: str, source: str, label: str, amount_fen: int) -> int:
        """A shop-level discount (店铺优惠), spread over the shop's lines."""
        ids = [entry.line.line_id for entry in self._by_shop[shop_id]]
        return self.discount_lines(ids, source, label, amount_fen)

    def discount_order(self, source: str, label: str, amount_fen: int) -> int:
        """An order-level discount (跨店/平台优惠), spread over every line."""
        return self.discount_lines([entry.line.line_id for entry in self.lines], source, label, amount_fen)

    def set_shop_shipping(self, shop_id: str, fee_fen: int) -> None:
        """Charge the shop's shipping fee (运费) once, split over its lines by subtotal.

        Replaces any fee set before. When every line of the shop is free, the fee is split by quantity.
        """
        if fee_fen < 0:
            raise ValueError("a shipping fee must not be negative")
        lines = self._by_shop[shop_id]
        weights = [entry.subtotal_fen for entry in lines]
        if not any(weights):
            weights = [entry.line.quantity for entry in lines]
        for entry, part in zip(lines, allocate(fee_fen, weights), strict=True):
            entry.shipping_fen = part

    def _distinct(self, line_ids: Iterable[str]) -> list[LineState]:
        ids = list(line_ids)
        if len(set(ids)) != len(ids):
            raise ValueError("a discount lists a line twice")
        return [self._by_id[line_id] for line_id in ids]


class Stage(Protocol):
    """One step of pricing; ``apply`` changes ``state`` in place."""

    @property
    def name(self) -> str: ...

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None: ...


@dataclass(frozen=True)
class ListPrice:
    """Each line's subtotal from its list price (标价 × 数量). Comes first."""

    name: ClassVar[str] = "list_price"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        for entry in state.lines:
            entry.subtotal_fen = entry.line.subtotal_fen


@dataclass(frozen=True)
class FlatShipping:
    """Each shop's flat fee (运费), free at its threshold (满额包邮), spread over its lines by subtotal."""

    name: ClassVar[str] = "flat_shipping"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        for shop_id in state.shop_ids:
            fee = rules.shipping_for(shop_id).fee_for(state.shop_remaining_fen(shop_id))
            state.set_shop_shipping(shop_id, fee)
