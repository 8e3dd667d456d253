"""The pricing-rules seam (计价规则接入点): where shipping, promotions, coupons, member prices and
points plug into pricing, and into placing, cancelling and refunding orders.

A *contributor* is one source of pricing rules. It supplies:

- ``stages``: the pure pricing stages that apply to a request (it reads what applies — the
  buyer's coupons, the running promotions — and writes nothing);
- ``place``: inside the transaction that places a checkout, what it locks or redeems for the
  discounts it gave (a coupon marked used, points deducted); raising ``AppError`` refuses the
  whole checkout, so a coupon cannot be used by two orders;
- ``release``: inside the transaction that cancels an unpaid order, what it gives back;
- ``refund``: inside the transaction that refunds lines of a paid order, what it gives back
  for those lines (their exact share of its discounts is on ``RefundedLine``).

Checkout, cancel and refund call the functions below, never a contributor by name. A
contributor is registered once, in ``jishi.bootstrap``, with the phase that orders its stages:
list price first, then promotions, member prices, coupons and points, shipping last (the
free-shipping threshold sees the discounted amount). Adding coupons is the coupons package
and one registration line.

The stages stay pure (no database); this module only carries the contract and calls the
contributors, which do their database work in their own packages, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from jishi.pricing.model import Breakdown, BuyerContext, PriceLine, PricingRules
from jishi.pricing.stages import ListPrice, Stage

if TYPE_CHECKING:
    from jishi.core.context import AppContext
    from jishi.core.db import UnitOfWork


class Phase(IntEnum):
    """Where a contributor's stages run; lower first. The stacking order of discounts."""

    PROMOTION = 100
    MEMBER_PRICE = 200
    COUPON = 300
    POINTS = 400
    SHIPPING = 900


@dataclass(frozen=True)
class PricingRequest:
    """What is being priced: the sellable lines, for whom, and the buyer's choices (the
    checkout body's options, e.g. ``coupon_ids`` or ``points``; empty for a cart)."""

    lines: tuple[PriceLine, ...]
    buyer: BuyerContext
    rules: PricingRules
    choices: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlacedLine:
    """A line of a placed order with what each discount source took off it."""

    order_id: str
    position: int
    sku_id: str
    quantity: int
    payable_fen: int
    discounts: Mapping[str, int]  # source → fen


@dataclass(frozen=True)
class PlacedCheckout:
    """A checkout just placed: one payment, one order per shop, in the placing transaction."""

    buyer_id: str
    payment_id: str
    order_ids: Mapping[str, str]  # shop id → order id
    breakdown: Breakdown
    lines: tuple[PlacedLine, ...]
    choices: Mapping[str, Any]

    def discounted_by(self, source: str) -> tuple[PlacedLine, ...]:
        return tuple(line for line in self.lines if line.discounts.get(source))


@dataclass(frozen=True)
class CancelledOrder:
    """An unpaid order being cancelled, with its lines as placed."""

    order_id: str
    buyer_id: str
    lines: tuple[PlacedLine, ...]


@dataclass(frozen=True)
class RefundedLine:
    """Units of a placed line being refunded, and each source's exact share of them."""

    line: PlacedLine
    quantity: int
    discounts: Mapping[str, int]  # source → fen of the refunded units


@dataclass(frozen=True)
class RefundedLines:
    order_id: str
    buyer_id: str
    lines: tuple[RefundedLine, ...]


class PricingContributor(Protocol):
    """One source of pricing rules; see the module's docstring."""

    @property
    def source(self) -> str: ...

    async def stages(self, uow: UnitOfWork, ctx: AppContext, request: PricingRequest) -> Sequence[Stage]: ...

    async def place(self, uow: UnitOfWork, ctx: AppContext, placed: PlacedCheckout) -> None: ...

    async def release(self, uow: UnitOfWork, ctx: AppContext, order: CancelledOrder) -> None: ...

    async def refund(self, uow: UnitOfWork, ctx: AppContext, refund: RefundedLines) -> None: ...


class StagesOnly:
    """For a contributor that only prices (shipping): nothing to lock, release or give back."""

    async def place(self, uow: UnitOfWork, ctx: AppContext, placed: PlacedCheckout) -> None:
        return None

    async def release(self, uow: UnitOfWork, ctx: AppContext, order: CancelledOrder) -> None:
        return None

    async def refund(self, uow: UnitOfWork, ctx: AppContext, refund: RefundedLines) -> None:
        return None


class Contributors:
    """The contributors in force, in phase order (``jishi.bootstrap`` registers them)."""

    def __init__(self) -> None:
        self._registered: list[tuple[Phase, PricingContributor]] = []

    def register(self, phase: Phase, contributor: PricingContributor) -> None:
        if any(c.source == contributor.source for _, c in self._registered):
            return  # a process wires once; tests build many apps
        self._registered.append((phase, contributor))
        self._registered.sort(key=lambda entry: entry[0])

    def unregister(self, source: str) -> None:
        self._registered = [(p, c) for p, c in self._registered if c.source != source]

    def __iter__(self) -> Iterator[PricingContributor]:
        return iter([c for _, c in self._registered])

    @property
    def hold_anything(self) -> bool:
        """Whether any contributor locks or gives back anything (cancel and refund need not
        read an order's lines for contributors that only price)."""
        return any(not isinstance(c, StagesOnly) for _, c in self._registered)

    async def stages(self, uow: UnitOfWork, ctx: AppContext, request: PricingRequest) -> list[Stage]:
        """List price, then every contributor's stages in phase order."""
        stages: list[Stage] = [ListPrice()]
        for contributor in self:
            stages.extend(await contributor.stages(uow, ctx, request))
        return stages

    async def place(self, uow: UnitOfWork, ctx: AppContext, placed: PlacedCheckout) -> None:
        for contributor in self:
            await contributor.place(uow, ctx, placed)

    async def release(self, uow: UnitOfWork, ctx: AppContext, order: CancelledOrder) -> None:
        for contributor in self:
            await contributor.release(uow, ctx, order)

    async def refund(self, uow: UnitOfWork, ctx: AppContext, refund: RefundedLines) -> None:
        for contributor in self:
            await contributor.refund(uow, ctx, refund)


CONTRIBUTORS = Contributors()
