"""Business rules of inventory: reserve, release, deduct, adjust, check.

Every change is one conditional ``UPDATE ... WHERE <enough stock> RETURNING``,
never a read followed by a write, so concurrent buyers cannot oversell. Rows are
updated in id order (SKUs, then their products), so two orders for the same SKUs
in opposite line order wait for each other instead of deadlocking.

``products.stock_total`` is kept equal to the units available over the
product's enabled SKUs, in the same transaction; when it crosses zero a
``product.changed`` event lets search follow (in stock / sold out).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from jishi.catalog.models import Product, Sku
from jishi.core.db import UnitOfWork, table_of
from jishi.core.errors import AppError
from jishi.core.pagination import decode_cursor, encode_cursor
from jishi.inventory import errors as _errors  # noqa: F401  (registers the codes)
from jishi.inventory.models import StockMovement, StockReservation


@dataclass(frozen=True)
class StockRequest:
    order_id: str
    sku_id: str
    quantity: int


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


_RETURNING = (Sku.product_id, Sku.shop_id, Sku.stock, Sku.reserved)


def _moved(sku_id: str, row: Any, on_hand_delta: int, reserved_delta: int) -> _Moved:
    return _Moved(sku_id, row[0], row[1], on_hand_delta, reserved_delta, row[2], row[3])


def _merge(requests: Iterable[StockRequest]) -> list[StockRequest]:
    """One request per order and SKU, in SKU id order (the lock order) across all orders."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for request in requests:
        totals[(request.sku_id, request.order_id)] += request.quantity
    return [StockRequest(order_id, sku_id, totals[(sku_id, order_id)]) for sku_id, order_id in sorted(totals)]


_SKU_TABLE = table_of(Sku)
_SKUS = _SKU_TABLE.c
_RETURNING_COLUMNS = (_SKUS.product_id, _SKUS.shop_id, _SKUS.stock, _SKUS.reserved)
# Built once: every order submit runs it for each SKU.
_RESERVE = (
    update(_SKU_TABLE)
    .where(
        _SKUS.id == bindparam("sku"),
        _SKUS.is_enabled.is_(True),
        _SKUS.stock - _SKUS.reserved >= bindparam("units"),
    )
    .values(reserved=_SKUS.reserved + bindparam("units"))
    .returning(*_RETURNING_COLUMNS)
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
        StockReservation,
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
        StockMovement,
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


async def release(uow: UnitOfWork, order_id: str, *, actor_id: str | None, reason: str) -> None:
    """Give back what an order holds (cancel, timeout). Releasing twice changes nothing."""
    moved = await _settle_reservations(uow, order_id, "released", on_hand_moves=False)
    _record(uow, moved, "release", order_id=order_id, actor_id=actor_id, reason=reason)
    await _apply_to_products(uow, moved)


async def deduct(uow: UnitOfWork, order_id: str, *, actor_id: str | None) -> None:
    """The goods left the warehouse (shipped): on hand and reserved both go down, so what is
    available does not change."""
    moved = await _settle_reservations(uow, order_id, "deducted", on_hand_moves=True)
    _record(uow, moved, "deduct", order_id=order_id, actor_id=actor_id, reason="")


async def _settle_reservations(
    uow: UnitOfWork, order_id: str, new_status: str, *, on_hand_moves: bool
) -> list[_Moved]:
    """End an order's held reservations: the SKUs' reserved count goes down by what each held,
    and on hand too when the goods leave (``on_hand_moves``)."""
    moved: list[_Moved] = []
    for sku_id, quantity in await _claim_reservations(uow, order_id, new_status):
        values = {"reserved": Sku.reserved - quantity}
        if on_hand_moves:
            values["stock"] = Sku.stock - quantity
        row = (
            await uow.session.execute(
                update(Sku)
                .where(Sku.id == sku_id)
                .values(values)
                .returning(*_RETURNING)
                .execution_options(synchronize_session=False)
            )
        ).one()
        moved.append(_moved(sku_id, row, -quantity if on_hand_moves else 0, -quantity))
    return moved


async def _claim_reservations(uow: UnitOfWork, order_id: str, new_status: str) -> list[tuple[str, int]]:
    """Move an order's held reservations to ``new_status``; returns (sku_id, quantity)
    of exactly those this call moved, so a concurrent second call moves nothing."""
    rows = (
        await uow.session.execute(
            update(StockReservation)
            .where(StockReservation.order_id == order_id, StockReservation.status == "held")
            .values(status=new_status, updated_at=uow.now())
            .returning(StockReservation.sku_id, StockReservation.quantity)
            .execution_options(synchronize_session=False)
        )
    ).all()
    return sorted((sku_id, quantity) for sku_id, quantity in rows)


async def set_on_hand(uow: UnitOfWork, sku: Sku, on_hand: int, *, actor_id: str | None, reason: str) -> None:
    """A merchant counts the stock (盘点): on hand becomes ``on_hand``, which may not go
    below what open orders hold (409 ``stock_below_reserved``)."""
    delta = on_hand - sku.stock
    if delta == 0:
        return
    row = (
        await uow.session.execute(
            update(Sku)
            .where(Sku.id == sku.id, Sku.reserved <= on_hand)
            .values(stock=on_hand)
            .returning(*_RETURNING)
        )
    ).first()
    if row is None:
        current = await uow.session.scalar(select(Sku.reserved).where(Sku.id == sku.id))
        raise AppError("stock_below_reserved", reserved=current or 0)
    moved = _moved(sku.id, row, delta, 0)
    _record(uow, [moved], "adjust", order_id=None, actor_id=actor_id, reason=reason)
    await _apply_to_products(uow, [moved])
    # Keep the loaded object in step without marking it dirty.
    set_committed_value(sku, "stock", row[2])
    set_committed_value(sku, "reserved", row[3])


def record_initial(uow: UnitOfWork, skus: Iterable[Sku], *, actor_id: str | None, reason: str) -> None:
    """Ledger lines for SKUs created with stock (a new product, an import)."""
    moved = [_Moved(s.id, s.product_id, s.shop_id, s.stock, 0, s.stock, 0) for s in skus if s.stock]
    _record(uow, moved, "adjust", order_id=None, actor_id=actor_id, reason=reason)


def _record(
    uow: UnitOfWork,
    moved: list[_Moved],
    kind: str,
    *,
    order_id: str | None,
    actor_id: str | None,
    reason: str,
) -> None:
    for m in moved:
        uow.session.add(StockMovement(**_movement_row(m, kind, order_id, actor_id, reason, uow.now())))


def _movement_row(
    m: _Moved, kind: str, order_id: str | None, actor_id: str | None, reason: str, now: datetime
) -> dict[str, Any]:
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
        "reason": reason,
        "created_at": now,
    }


_PRODUCT_TABLE = table_of(Product)
_PRODUCTS = _PRODUCT_TABLE.c
_MOVE_PRODUCT_STOCK = (
    update(_PRODUCT_TABLE)
    .where(_PRODUCTS.id == bindparam("product"))
    .values(stock_total=_PRODUCTS.stock_total + bindparam("delta"))
    .returning(_PRODUCTS.stock_total)
)
_RESERVED = _RESERVE.cte("reserved")
# (product_id, shop_id, stock, reserved, the product's stock_total after)
_RESERVE_WITH_PRODUCT = (
    update(_PRODUCT_TABLE)
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
        uow.publish("product.changed", {"product_id": product_id})


@dataclass(frozen=True)
class Discrepancy:
    sku_id: str
    reserved: int
    held: int


async def check(uow: UnitOfWork) -> list[Discrepancy]:
    """SKUs whose ``reserved`` differs from the sum of their held reservations (should be none)."""
    held = (
        select(StockReservation.sku_id, func.sum(StockReservation.quantity).label("held"))
        .where(StockReservation.status == "held")
        .group_by(StockReservation.sku_id)
        .subquery()
    )
    held_units = func.coalesce(held.c.held, 0)
    rows = await uow.session.execute(
        select(Sku.id, Sku.reserved, held_units)
        .outerjoin(held, held.c.sku_id == Sku.id)
        .where(Sku.reserved != held_units)
        .order_by(Sku.id)
    )
    return [Discrepancy(sku_id, reserved, int(units)) for sku_id, reserved, units in rows]


@dataclass(frozen=True)
class LowStockLine:
    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    on_hand: int
    reserved: int
    available: int
    status: str


async def low_stock(
    uow: UnitOfWork, shop_id: str, *, threshold: int, limit: int, cursor: str | None
) -> tuple[list[LowStockLine], str | None]:
    """A shop's enabled SKUs of listed products with at most ``threshold`` units available,
    fewest first (库存预警)."""
    available = (Sku.stock - Sku.reserved).label("available")
    query = (
        select(Sku.id, Sku.product_id, Product.title, Sku.specs, Sku.stock, Sku.reserved, available)
        .join(Product, Product.id == Sku.product_id)
        .add_columns(Product.status)
        .where(
            Sku.shop_id == shop_id,
            Sku.is_enabled.is_(True),
            Product.status != "draft",
            Sku.stock - Sku.reserved <= threshold,
        )
        .order_by(Sku.stock - Sku.reserved, Sku.id)
        .limit(limit + 1)
    )
    after = decode_cursor(cursor)
    if after is not None:
        try:
            last_available, last_id = int(after["a"]), str(after["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AppError("invalid_cursor") from exc
        position = Sku.stock - Sku.reserved
        query = query.where((position > last_available) | ((position == last_available) & (Sku.id > last_id)))
    rows = (await uow.session.execute(query)).all()
    lines = [LowStockLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor({"a": lines[-1].available, "id": lines[-1].sku_id})
    return lines, next_cursor


async def movements(
    uow: UnitOfWork, shop_id: str, sku_id: str, *, limit: int, cursor: str | None
) -> tuple[list[StockMovement], str | None]:
    """The ledger of one SKU of a shop, newest first."""
    query = (
        select(StockMovement)
        .where(StockMovement.shop_id == shop_id, StockMovement.sku_id == sku_id)
        .order_by(StockMovement.id.desc())
        .limit(limit + 1)
    )
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(StockMovement.id < str(after.get("id", "")))
    rows = list(await uow.session.scalars(query))
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return rows[:limit], next_cursor
