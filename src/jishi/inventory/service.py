"""Business rules of inventory: reserve, release, deduct, count, check.

This package alone writes the stock counters (``inventory.counters``): a SKU's on hand and
reserved units and its product's available total. Every change is a conditional
``UPDATE … WHERE <enough stock> RETURNING`` or a write under a row lock, never a read
followed by a blind write, so concurrent buyers cannot oversell and no update is lost.

Locks are taken in one order everywhere: SKUs in id order, then their products in id order.
Two writers keep ``products.stock_total`` equal to what the product's enabled SKUs have
available: order flows (reserve, release) move it by their delta, which commutes with any
other writer's; a merchant's count or a change of which SKUs are enabled recounts it in SQL
once the product row is locked (``recount_products``), so the sum sees every transaction
that moved it before. When availability crosses zero, ``AvailabilityChanged`` lets search follow
(in stock / sold out).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, func, select, update

from jishi.core.db import UnitOfWork, any_of, read_for_update, table_of
from jishi.core.errors import AppError, NotFound
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition
from jishi.core.security import Keyring
from jishi.inventory.counters import PRODUCT_COUNTERS, SKU_COUNTERS
from jishi.inventory.events import AvailabilityChanged
from jishi.inventory.models import (
    MOVEMENT_ROWS,
    RESERVATION_ROWS,
    StockMovement,
    StockMovementRow,
    StockReservation,
)

_SKUS = SKU_COUNTERS.c
_PRODUCTS = PRODUCT_COUNTERS.c
_RESERVATIONS = table_of(StockReservation)


LedgerReason = Literal["product_created", "skus_edited", "merchant_count", "order_cancelled"]
# Why a ledger line was written: stored as its code, shown in the reader's language.
LEDGER_REASONS: dict[str, tuple[str, str]] = {
    "product_created": ("新建商品", "New product"),
    "skus_edited": ("编辑规格", "SKUs edited"),
    "merchant_count": ("商家修改库存", "Stock counted by the merchant"),
    "order_cancelled": ("订单取消，库存退回", "Order cancelled, stock returned"),
}


def reason_shown(reason: str, locale: str) -> str:
    """A ledger line's reason for a reader (lines written before reasons were codes show
    their words as written)."""
    if reason in LEDGER_REASONS:
        zh, en = LEDGER_REASONS[reason]
        return en if locale == "en" else zh
    return reason


@dataclass(frozen=True)
class StockRequest:
    order_id: str
    sku_id: str
    quantity: int


@dataclass(frozen=True)
class StockLevel:
    """A SKU's counters as they stand after a change."""

    sku_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class _Moved:
    """One SKU's movement and its counters afterwards (from ``RETURNING``)."""

    sku_id: str
    product_id: str
    shop_id: str
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int

    @property
    def available_delta(self) -> int:
        return self.on_hand_delta - self.reserved_delta


_RETURNING = (_SKUS.product_id, _SKUS.shop_id, _SKUS.stock, _SKUS.reserved)


def _moved(sku_id: str, row: Any, on_hand_delta: int, reserved_delta: int) -> _Moved:
    return _Moved(sku_id, row[0], row[1], on_hand_delta, reserved_delta, row[2], row[3])


def _merge(requests: Iterable[StockRequest]) -> list[StockRequest]:
    """One request per order and SKU, in SKU id order (the lock order) across all orders."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for request in requests:
        totals[(request.sku_id, request.order_id)] += request.quantity
    return [StockRequest(order_id, sku_id, totals[(sku_id, order_id)]) for sku_id, order_id in sorted(totals)]


# Built once: every order submit runs it for each SKU.
_RESERVE = (
    update(SKU_COUNTERS)
    .where(
        _SKUS.id == bindparam("sku"),
        _SKUS.is_enabled.is_(True),
        _SKUS.stock - _SKUS.reserved >= bindparam("units"),
    )
    .values(reserved=_SKUS.reserved + bindparam("units"))
    .returning(*_RETURNING)
)


async def reserve(uow: UnitOfWork, requests: Iterable[StockRequest], *, actor_id: str | None) -> None:
    """Hold stock for orders (预占), e.g. all the orders of one checkout. All or nothing:
    raises ``insufficient_stock`` naming the first SKU that is short; the caller's
    transaction then rolls back."""
    merged = _merge(requests)
    if len(merged) == 1 and uow.database.dialect == "postgresql":
        moved = [(merged[0].order_id, await _reserve_alone(uow, merged[0]))]
    else:
        moved = [(request.order_id, await _reserve_one(uow, request)) for request in merged]
        await _apply_to_products(uow, [movement for _, movement in moved])
    now = uow.now()
    uow.stage(
        RESERVATION_ROWS,
        [
            {
                "order_id": order_id,
                "sku_id": m.sku_id,
                "quantity": m.reserved_delta,
                "status": "held",
                "created_at": now,
                "updated_at": now,
            }
            for order_id, m in moved
        ],
    )
    uow.stage(
        MOVEMENT_ROWS,
        [_movement_row(m, "reserve", order_id, actor_id, "", now) for order_id, m in moved],
    )


async def _reserve_one(uow: UnitOfWork, request: StockRequest) -> _Moved:
    row = (await uow.execute(_RESERVE, {"sku": request.sku_id, "units": request.quantity})).first()
    if row is None:
        raise AppError("insufficient_stock", extensions={"sku_id": request.sku_id})
    return _moved(request.sku_id, row, 0, request.quantity)


async def _reserve_alone(uow: UnitOfWork, request: StockRequest) -> _Moved:
    """The one SKU of a checkout and its product's availability in one statement
    (PostgreSQL): a buy-now holds the hot rows' locks one round trip less."""
    row = (
        await uow.execute(_RESERVE_WITH_PRODUCT, {"sku": request.sku_id, "units": request.quantity})
    ).first()
    if row is None:
        raise AppError("insufficient_stock", extensions={"sku_id": request.sku_id})
    _follow_availability(uow, row[0], before=row[4] + request.quantity, after=row[4])
    return _moved(request.sku_id, row, 0, request.quantity)


async def release(uow: UnitOfWork, order_id: str, *, actor_id: str | None) -> None:
    """Give back what an order holds (cancel, timeout). Releasing twice changes nothing."""
    moved = await _settle_reservations(uow, order_id, "released", on_hand_moves=False)
    _record(uow, moved, "release", order_id=order_id, actor_id=actor_id, reason="order_cancelled")
    await _apply_to_products(uow, moved)


async def deduct(uow: UnitOfWork, order_id: str, *, actor_id: str | None) -> None:
    """The goods left the warehouse (shipped): on hand and reserved both go down, so what is
    available does not change."""
    moved = await _settle_reservations(uow, order_id, "deducted", on_hand_moves=True)
    _record(uow, moved, "deduct", order_id=order_id, actor_id=actor_id, reason=None)


_SETTLE = (
    update(SKU_COUNTERS)
    .where(_SKUS.id == bindparam("sku"))
    .values(reserved=_SKUS.reserved - bindparam("units"), stock=_SKUS.stock - bindparam("shipped"))
    .returning(*_RETURNING)
)


async def _settle_reservations(
    uow: UnitOfWork, order_id: str, new_status: str, *, on_hand_moves: bool
) -> list[_Moved]:
    """End an order's held reservations: the SKUs' reserved count goes down by what each held,
    and on hand too when the goods leave (``on_hand_moves``)."""
    moved: list[_Moved] = []
    for sku_id, quantity in await _claim_reservations(uow, order_id, new_status):
        shipped = quantity if on_hand_moves else 0
        row = (await uow.execute(_SETTLE, {"sku": sku_id, "units": quantity, "shipped": shipped})).one()
        moved.append(_moved(sku_id, row, -shipped, -quantity))
    return moved


async def _claim_reservations(uow: UnitOfWork, order_id: str, new_status: str) -> list[tuple[str, int]]:
    """Move an order's held reservations to ``new_status``; returns (sku_id, quantity)
    of exactly those this call moved, so a concurrent second call moves nothing."""
    reservations = _RESERVATIONS.c
    rows = (
        await uow.execute(
            update(_RESERVATIONS)
            .where(reservations.order_id == order_id, reservations.status == "held")
            .values(status=new_status, updated_at=uow.now())
            .returning(reservations.sku_id, reservations.quantity)
        )
    ).all()
    return sorted((sku_id, quantity) for sku_id, quantity in rows)


async def count_on_hand(
    uow: UnitOfWork, counts: Mapping[str, int], *, actor_id: str | None, reason: LedgerReason
) -> dict[str, StockLevel]:
    """A merchant counts stock (盘点), or new SKUs get their first stock: each SKU's on hand
    becomes its count, which may not go below what open orders hold (409
    ``stock_below_reserved``). The SKUs are locked in id order and read under the lock, so
    the ledger's deltas are exact; then their products' available totals are recounted."""
    if not counts:
        return {}
    dialect = uow.database.dialect
    locked = await uow.execute(
        read_for_update(dialect, SKU_COUNTERS, _SKUS.id, "ids", *_LOCKED_COLUMNS), {"ids": sorted(counts)}
    )
    before = {row[0]: row for row in locked}
    moved: list[_Moved] = []
    for sku_id in sorted(before):
        on_hand, (_, product_id, shop_id, was, reserved) = counts[sku_id], before[sku_id]
        if on_hand == was:
            continue
        if reserved > on_hand:
            raise AppError("stock_below_reserved", reserved=reserved)
        await uow.execute(_SET_ON_HAND, {"sku": sku_id, "on_hand": on_hand})
        moved.append(_Moved(sku_id, product_id, shop_id, on_hand - was, 0, on_hand, reserved))
    _record(uow, moved, "adjust", order_id=None, actor_id=actor_id, reason=reason)
    await recount_products(uow, {m.product_id for m in moved})
    return {sku_id: StockLevel(sku_id, counts[sku_id], row[4]) for sku_id, row in before.items()}


_LOCKED_COLUMNS = (_SKUS.id, _SKUS.product_id, _SKUS.shop_id, _SKUS.stock, _SKUS.reserved)
_SET_ON_HAND = update(SKU_COUNTERS).where(_SKUS.id == bindparam("sku")).values(stock=bindparam("on_hand"))


async def recount_products(uow: UnitOfWork, product_ids: Iterable[str]) -> None:
    """Set each product's available total to what its enabled SKUs have available now.

    For changes that are not a delta of an order flow: a count, SKUs enabled or disabled.
    The product rows are locked first (in id order, after any SKU this transaction wrote),
    and the sum is a statement of its own after that: it sees every transaction that moved
    the total before us, and those still holding SKU locks apply their delta after us."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    dialect = uow.database.dialect
    locked = await uow.execute(
        read_for_update(dialect, PRODUCT_COUNTERS, _PRODUCTS.id, "ids", _PRODUCTS.id, _PRODUCTS.stock_total),
        {"ids": ids},
    )
    before = {row[0]: row[1] for row in locked}
    recounted = await uow.execute(_recount_statement(dialect), {"ids": ids})
    after = {row[0]: row[1] for row in recounted}
    for product_id, total in after.items():
        _follow_availability(uow, product_id, before=before.get(product_id, 0), after=total)


def _recount_statement(dialect: str) -> Any:
    available = (
        select(func.coalesce(func.sum(_SKUS.stock - _SKUS.reserved), 0))
        .where(_SKUS.product_id == _PRODUCTS.id, _SKUS.is_enabled.is_(True))
        .scalar_subquery()
    )
    return (
        update(PRODUCT_COUNTERS)
        .where(any_of(dialect, _PRODUCTS.id, "ids"))
        .values(stock_total=available)
        .returning(_PRODUCTS.id, _PRODUCTS.stock_total)
    )


def _record(
    uow: UnitOfWork,
    moved: list[_Moved],
    kind: str,
    *,
    order_id: str | None,
    actor_id: str | None,
    reason: LedgerReason | None,
) -> None:
    now = uow.now()
    uow.stage(MOVEMENT_ROWS, [_movement_row(m, kind, order_id, actor_id, reason, now) for m in moved])


def _movement_row(
    m: _Moved, kind: str, order_id: str | None, actor_id: str | None, reason: str | None, now: datetime
) -> StockMovementRow:
    """A line of the stock ledger (库存流水)."""
    return {
        "sku_id": m.sku_id,
        "shop_id": m.shop_id,
        "kind": kind,
        "on_hand_delta": m.on_hand_delta,
        "reserved_delta": m.reserved_delta,
        "on_hand_after": m.on_hand_after,
        "reserved_after": m.reserved_after,
        "order_id": order_id,
        "actor_id": actor_id,
        "reason": reason or "",
        "created_at": now,
    }


_MOVE_PRODUCT_STOCK = (
    update(PRODUCT_COUNTERS)
    .where(_PRODUCTS.id == bindparam("product"))
    .values(stock_total=_PRODUCTS.stock_total + bindparam("delta"))
    .returning(_PRODUCTS.stock_total)
)
_RESERVED = _RESERVE.cte("reserved")
# (product_id, shop_id, stock, reserved, the product's stock_total after)
_RESERVE_WITH_PRODUCT = (
    update(PRODUCT_COUNTERS)
    .where(_PRODUCTS.id == _RESERVED.c.product_id)
    .values(stock_total=_PRODUCTS.stock_total - bindparam("units"))
    .returning(*_RESERVED.c, _PRODUCTS.stock_total)
)


async def _apply_to_products(uow: UnitOfWork, moved: list[_Moved]) -> None:
    """Follow the SKUs' availability on their products (after the SKUs: the lock order)."""
    deltas: dict[str, int] = defaultdict(int)
    for m in moved:
        deltas[m.product_id] += m.available_delta
    for product_id in sorted(deltas):
        if deltas[product_id] == 0:
            continue
        after = (
            await uow.execute(_MOVE_PRODUCT_STOCK, {"product": product_id, "delta": deltas[product_id]})
        ).scalar() or 0
        _follow_availability(uow, product_id, before=after - deltas[product_id], after=after)


def _follow_availability(uow: UnitOfWork, product_id: str, *, before: int, after: int) -> None:
    """Search follows a product that sold out or came back (in stock / sold out)."""
    if (before > 0) != (after > 0):
        uow.publish(AvailabilityChanged(product_id=product_id))


@dataclass(frozen=True)
class Discrepancy:
    """A counter that disagrees with what it summarises: a SKU's reserved units against its
    held reservations (``kind`` "reserved", ``id`` a SKU), or a product's available total
    against its enabled SKUs (``kind`` "available", ``id`` a product)."""

    kind: str
    id: str
    recorded: int
    actual: int

    def describe(self) -> str:
        if self.kind == "reserved":
            return f"SKU {self.id}: reserved {self.recorded}, open reservations hold {self.actual}"
        return f"product {self.id}: available total {self.recorded}, its enabled SKUs have {self.actual}"


async def check(uow: UnitOfWork) -> list[Discrepancy]:
    """Counters that disagree with what they summarise (there should be none)."""
    return await _reserved_discrepancies(uow) + await _total_discrepancies(uow)


async def _reserved_discrepancies(uow: UnitOfWork) -> list[Discrepancy]:
    reservations = _RESERVATIONS.c
    held = (
        select(reservations.sku_id, func.sum(reservations.quantity).label("held"))
        .where(reservations.status == "held")
        .group_by(reservations.sku_id)
        .subquery()
    )
    held_units = func.coalesce(held.c.held, 0)
    rows = await uow.execute(
        select(_SKUS.id, _SKUS.reserved, held_units)
        .select_from(SKU_COUNTERS.outerjoin(held, held.c.sku_id == _SKUS.id))
        .where(_SKUS.reserved != held_units)
        .order_by(_SKUS.id)
    )
    return [Discrepancy("reserved", sku_id, reserved, int(units)) for sku_id, reserved, units in rows]


async def _total_discrepancies(uow: UnitOfWork) -> list[Discrepancy]:
    available = (
        select(_SKUS.product_id, func.sum(_SKUS.stock - _SKUS.reserved).label("units"))
        .where(_SKUS.is_enabled.is_(True))
        .group_by(_SKUS.product_id)
        .subquery()
    )
    units = func.coalesce(available.c.units, 0)
    rows = await uow.execute(
        select(_PRODUCTS.id, _PRODUCTS.stock_total, units)
        .select_from(PRODUCT_COUNTERS.outerjoin(available, available.c.product_id == _PRODUCTS.id))
        .where(_PRODUCTS.stock_total != units)
        .order_by(_PRODUCTS.id)
    )
    return [Discrepancy("available", pid, total, int(n)) for pid, total, n in rows]


class MovementPosition(CursorPosition):
    id: CursorId


MOVEMENTS_CURSOR = CursorCodec("stock_movements", MovementPosition)


async def movements(
    uow: UnitOfWork, keyring: Keyring, shop_id: str, sku_id: str, *, limit: int, cursor: str | None
) -> tuple[list[StockMovement], str | None]:
    """The ledger of one SKU of a shop, newest first; another shop's SKU is not found."""
    owned = select(_SKUS.id).where(_SKUS.id == sku_id, _SKUS.shop_id == shop_id)
    if (await uow.execute(owned)).first() is None:
        raise NotFound()
    query = (
        select(StockMovement)
        .where(StockMovement.shop_id == shop_id, StockMovement.sku_id == sku_id)
        .order_by(StockMovement.id.desc())
        .limit(limit + 1)
    )
    after = MOVEMENTS_CURSOR.decode(keyring, cursor)
    if after is not None:
        query = query.where(StockMovement.id < after.id)
    rows = list(await uow.session.scalars(query))
    next_cursor = None
    if len(rows) > limit:
        next_cursor = MOVEMENTS_CURSOR.encode(keyring, MovementPosition(id=rows[limit - 1].id))
    return rows[:limit], next_cursor
