"""The order lifecycle (订单状态机) and what buyers and merchants read of orders.

``pending_payment → paid → shipped → (delivered →) completed``, and
``pending_payment → cancelled``. Every transition is a conditional update on
the expected status (so two racing requests make one change), writes a
timeline entry and publishes ``order.<status>`` in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from pydantic import AwareDatetime
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, rowcount, table_of
from jishi.core.errors import AppError, NotFound, invalid_field
from jishi.core.money import share_of_units
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition
from jishi.core.security import Keyring, mask_name, mask_phone
from jishi.inventory import service as inventory
from jishi.orders import reasons
from jishi.orders.carriers import CARRIER_CODES
from jishi.orders.events import MOVED_TO
from jishi.orders.models import ORDER_EVENT_ROWS, ORDER_STATUSES, Order, OrderEvent, OrderEventRow, OrderLine
from jishi.orders.reasons import Reason
from jishi.payments import service as payments
from jishi.payments.events import PaymentPaid
from jishi.pricing.contributors import (
    CONTRIBUTORS,
    CancelledOrder,
    PlacedLine,
    RefundedLine,
    RefundedLines,
)

log = structlog.get_logger(__name__)

ACTIONS = {  # action → (zh, en) for order_state_conflict
    "cancel": ("取消", "cancelled"),
    "ship": ("发货", "shipped"),
    "deliver": ("标记送达", "marked as delivered"),
    "confirm": ("确认收货", "confirmed as received"),
    "contact": ("联系买家", "used to reach the buyer"),
}
STATUS_NAMES = {
    "pending_payment": "待付款",
    "paid": "待发货",
    "shipped": "已发货",
    "delivered": "已送达",
    "completed": "已完成",
    "cancelled": "已取消",
}


def _conflict(order: Order, action: str) -> AppError:
    zh, en = ACTIONS[action]
    return AppError(
        "order_state_conflict",
        status=STATUS_NAMES.get(order.status, order.status),
        action=zh,
        action_en=en,
        extensions={"order_status": order.status},
    )


async def _move(
    uow: UnitOfWork,
    order: Order,
    to: str,
    *,
    actor_kind: str,
    actor_id: str | None,
    reason: Reason = reasons.NONE,
    **values: Any,
) -> bool:
    """Move ``order`` from the status it was read in to ``to``; False if someone moved it first.

    Orders and their timeline are written by statements only (checkout stages them), so the
    loaded ``order`` is brought in step without the session writing it again."""
    now = uow.now()
    result = await uow.execute(
        _ORDERS.update()
        .where(_ORDERS.c.id == order.id, _ORDERS.c.status == order.status)
        .values(status=to, updated_at=now, **values)
    )
    if rowcount(result) != 1:
        return False
    event: OrderEventRow = {
        "order_id": order.id,
        "from_status": order.status,
        "to_status": to,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "reason": reason.text,
        "reason_code": reason.code,
        "created_at": now,
    }
    uow.stage(ORDER_EVENT_ROWS, [event])
    uow.publish(
        MOVED_TO[to](
            order_id=order.id, shop_id=order.shop_id, buyer_id=order.buyer_id, from_status=order.status
        )
    )
    for name, value in {"status": to, "updated_at": now, **values}.items():
        set_committed_value(order, name, value)
    return True


_ORDERS = table_of(Order)


# ---- paying ------------------------------------------------------------------------------------


async def mark_payment_orders_paid(uow: UnitOfWork, paid: PaymentPaid) -> None:
    """Listener of payments, inside the transaction that marks the payment paid: all its
    orders are paid with it, or none (wired in ``jishi.bootstrap``)."""
    orders = await uow.session.scalars(
        select(Order)
        .where(Order.payment_id == paid.payment_id, Order.status == "pending_payment")
        .order_by(Order.id)
    )
    for order in orders:
        await _move(
            uow, order, "paid", actor_kind="payment", actor_id=None, paid_at=uow.now(), pay_deadline_at=None
        )


# ---- cancelling --------------------------------------------------------------------------------


async def cancel(uow: UnitOfWork, ctx: AppContext, buyer_id: str, order_id: str, reason: str) -> Order:
    """The buyer cancels before paying (取消订单); stock goes back at once."""
    order = await _buyer_order(uow, buyer_id, order_id)
    if order.status != "pending_payment":
        raise _conflict(order, "cancel")
    cancelled = await _cancel_unpaid(
        uow, ctx, order, actor_kind="buyer", actor_id=buyer_id, reason=Reason("buyer_cancelled", reason)
    )
    if not cancelled:
        raise _conflict(await _buyer_order(uow, buyer_id, order_id), "cancel")
    return order


async def _cancel_unpaid(
    uow: UnitOfWork, ctx: AppContext, order: Order, *, actor_kind: str, actor_id: str | None, reason: Reason
) -> bool:
    """Cancel an unpaid order: close its gateway trade first (so it can no longer be paid),
    then, in one transaction, cancel, release the stock and take its share off the payment."""
    payment_id = order.payment_id
    await uow.rollback()  # hold no connection while the gateway is asked
    if not await payments.prepare_cancel(ctx, payment_id):
        return False  # the gateway says it was paid: the payment path marked it paid
    await uow.session.refresh(order)
    if order.status != "pending_payment":
        return False
    trade_no = await payments.current_trade_no(uow, payment_id)
    if not await _move(
        uow,
        order,
        "cancelled",
        actor_kind=actor_kind,
        actor_id=actor_id,
        reason=reason,
        cancel_reason=reason.text or None,
        cancel_reason_code=reason.code,
        cancelled_at=uow.now(),
        pay_deadline_at=None,
    ):
        await uow.rollback()
        return False
    await inventory.release(uow, order.id, actor_id=actor_id)
    if CONTRIBUTORS.hold_anything:
        placed = await _placed_lines(uow, order.id)
        await CONTRIBUTORS.release(uow, ctx, CancelledOrder(order.id, order.buyer_id, placed))
    await payments.reduce_amount(uow, order.payment_id, order.total_fen, expected_trade_no=trade_no)
    await uow.commit()
    return True


async def cancel_overdue(ctx: AppContext, *, batch: int = 100) -> int:
    """Cancel unpaid orders past their deadline (超时未付款自动取消); returns how many.

    No row lock is held across the call to the gateway: each cancellation is a
    conditional update, so two sweepers racing over one order cancel it once. Each order
    is cancelled in a transaction of its own, and one that fails (its gateway cannot be
    reached, say) is logged and left for the next sweep without holding up the others.
    """
    now = ctx.clock.now()
    cancelled = 0
    async with ctx.database.uow() as uow:
        overdue = list(
            await uow.session.scalars(
                select(Order.id)
                .where(Order.status == "pending_payment", Order.pay_deadline_at <= now)
                .order_by(Order.pay_deadline_at, Order.id)
                .limit(batch)
            )
        )
    for order_id in overdue:
        try:
            cancelled += await _cancel_overdue_order(ctx, order_id)
        except AppError as exc:
            log.warning("orders.overdue_cancel_failed", order_id=order_id, code=exc.code)
    return cancelled


async def _cancel_overdue_order(ctx: AppContext, order_id: str) -> bool:
    async with ctx.database.uow() as uow:
        order = await uow.session.get(Order, order_id)
        if order is None or order.status != "pending_payment":
            return False  # paid or cancelled since the list was read: leave its payment alone
        return await _cancel_unpaid(
            uow, ctx, order, actor_kind="system", actor_id=None, reason=Reason("payment_timeout")
        )


async def _placed_lines(uow: UnitOfWork, order_id: str) -> tuple[PlacedLine, ...]:
    lines = (await lines_of(uow, [order_id]))[order_id]
    return tuple(
        PlacedLine(
            order_id=order_id,
            position=line.position,
            sku_id=line.sku_id,
            quantity=line.quantity,
            payable_fen=line.payable_fen,
            discounts={d["source"]: int(d["amount_fen"]) for d in line.discounts},
        )
        for line in lines
    )


# ---- refunding ----------------------------------------------------------------------------------


async def refund_lines(
    uow: UnitOfWork, ctx: AppContext, order_id: str, units: dict[int, tuple[int, int]]
) -> RefundedLines:
    """Units of a paid order's lines are refunded (退款), in the caller's transaction:
    ``units`` maps a line's position to (units refunded before, units refunded now). Every
    pricing contributor gives back its exact share of those units (a coupon's share of a
    line refunded unit by unit adds up to the coupon, never a fen more). Returns the shares,
    for the caller to refund what the buyer paid for them."""
    order = await uow.session.get(Order, order_id)
    if order is None:
        raise NotFound()
    placed = {line.position: line for line in await _placed_lines(uow, order_id)}
    if not set(units) <= set(placed):
        raise NotFound()
    refunded = RefundedLines(
        order_id,
        order.buyer_id,
        tuple(
            RefundedLine(
                placed[position],
                now,
                {
                    source: share_of_units(fen, placed[position].quantity, already=before, units=now)
                    for source, fen in placed[position].discounts.items()
                },
            )
            for position, (before, now) in sorted(units.items())
        ),
    )
    await CONTRIBUTORS.refund(uow, ctx, refunded)
    return refunded


# ---- shipping and receiving ---------------------------------------------------------------------


async def ship(
    uow: UnitOfWork,
    ctx: AppContext,
    shop_id: str,
    order_id: str,
    *,
    carrier_code: str,
    tracking_no: str,
    actor_id: str,
) -> Order:
    """The merchant ships a paid order (发货): stock leaves the warehouse; the order completes
    by itself if the buyer does not confirm receipt in time."""
    if carrier_code not in CARRIER_CODES:
        raise invalid_field("carrier_code", "unknown_carrier", "不支持该快递公司。", "Unknown carrier.")
    order = await _shop_order(uow, shop_id, order_id)
    if order.status != "paid":
        raise _conflict(order, "ship")
    now = uow.now()
    moved = await _move(
        uow,
        order,
        "shipped",
        actor_kind="merchant",
        actor_id=actor_id,
        carrier_code=carrier_code,
        tracking_no=tracking_no.upper(),
        shipped_at=now,
        auto_complete_at=now + timedelta(seconds=ctx.settings.order_auto_complete_seconds),
    )
    if not moved:
        raise _conflict(await _shop_order(uow, shop_id, order_id), "ship")
    await inventory.deduct(uow, order.id, actor_id=actor_id)
    await uow.commit()
    return order


async def mark_delivered(uow: UnitOfWork, shop_id: str, order_id: str, *, actor_id: str) -> Order:
    """The merchant records that the parcel reached the buyer (已送达/签收), e.g. from the
    carrier's proof of delivery. The buyer can still confirm receipt; if not, the order
    completes at the deadline set when it was shipped."""
    order = await _shop_order(uow, shop_id, order_id)
    if order.status != "shipped":
        raise _conflict(order, "deliver")
    moved = await _move(
        uow, order, "delivered", actor_kind="merchant", actor_id=actor_id, delivered_at=uow.now()
    )
    if not moved:
        raise _conflict(await _shop_order(uow, shop_id, order_id), "deliver")
    await uow.commit()
    return order


async def confirm_receipt(uow: UnitOfWork, buyer_id: str, order_id: str) -> Order:
    """The buyer confirms the goods arrived (确认收货): the order is completed."""
    order = await _buyer_order(uow, buyer_id, order_id)
    if order.status not in ("shipped", "delivered"):
        raise _conflict(order, "confirm")
    moved = await _move(
        uow,
        order,
        "completed",
        actor_kind="buyer",
        actor_id=buyer_id,
        completed_at=uow.now(),
        auto_complete_at=None,
    )
    if not moved:
        raise _conflict(await _buyer_order(uow, buyer_id, order_id), "confirm")
    await uow.commit()
    return order


async def complete_overdue(ctx: AppContext, *, batch: int = 100) -> int:
    """Complete shipped orders whose receipt was not confirmed in time (自动确认收货)."""
    now = ctx.clock.now()
    completed = 0
    async with ctx.database.uow() as uow:
        query = (
            select(Order)
            .where(Order.status.in_(("shipped", "delivered")), Order.auto_complete_at <= now)
            .order_by(Order.auto_complete_at, Order.id)
            .limit(batch)
        )
        if ctx.database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for order in list(await uow.session.scalars(query)):
            if await _move(
                uow,
                order,
                "completed",
                actor_kind="system",
                actor_id=None,
                reason=Reason("auto_completed"),
                completed_at=now,
                auto_complete_at=None,
            ):
                completed += 1
        await uow.commit()
    return completed


# ---- reading ----------------------------------------------------------------------------------


async def _buyer_order(uow: UnitOfWork, buyer_id: str, order_id: str) -> Order:
    order = await uow.session.get(Order, order_id, populate_existing=True)
    if order is None or order.buyer_id != buyer_id:
        raise NotFound()
    return order


async def _shop_order(uow: UnitOfWork, shop_id: str, order_id: str) -> Order:
    order = await uow.session.get(Order, order_id, populate_existing=True)
    if order is None or order.shop_id != shop_id:
        raise NotFound()
    return order


async def buyer_order(uow: UnitOfWork, buyer_id: str, order_id: str) -> Order:
    return await _buyer_order(uow, buyer_id, order_id)


async def shop_order(uow: UnitOfWork, shop_id: str, order_id: str) -> Order:
    return await _shop_order(uow, shop_id, order_id)


class OrderPosition(CursorPosition):
    at: AwareDatetime
    id: CursorId


BUYER_ORDERS_CURSOR = CursorCodec("buyer_orders", OrderPosition)
SHOP_ORDERS_CURSOR = CursorCodec("shop_orders", OrderPosition)


async def list_orders(
    uow: UnitOfWork,
    keyring: Keyring,
    *,
    buyer_id: str | None = None,
    shop_id: str | None = None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Order], str | None]:
    """A buyer's or a shop's orders, newest first, optionally of one status."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)
    if buyer_id is not None:
        query = query.where(Order.buyer_id == buyer_id)
    if shop_id is not None:
        query = query.where(Order.shop_id == shop_id)
    if status is not None:
        query = query.where(Order.status == status)
    codec = BUYER_ORDERS_CURSOR if buyer_id is not None else SHOP_ORDERS_CURSOR
    after = codec.decode(keyring, cursor)
    if after is not None:
        query = query.where(
            (Order.created_at < after.at) | ((Order.created_at == after.at) & (Order.id < after.id))
        )
    rows = list(await uow.session.scalars(query))
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = codec.encode(keyring, OrderPosition(at=page[-1].created_at, id=page[-1].id))
    return page, next_cursor


async def lines_of(uow: UnitOfWork, order_ids: Iterable[str]) -> dict[str, list[OrderLine]]:
    ids = list(order_ids)
    grouped: dict[str, list[OrderLine]] = {i: [] for i in ids}
    if not ids:
        return grouped
    rows = await uow.session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.order_id, OrderLine.position)
    )
    for line in rows:
        grouped[line.order_id].append(line)
    return grouped


async def timeline_of(uow: UnitOfWork, order_id: str) -> list[OrderEvent]:
    return list(
        await uow.session.scalars(
            select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.created_at, OrderEvent.id)
        )
    )


async def status_counts(
    uow: UnitOfWork, *, buyer_id: str | None = None, shop_id: str | None = None
) -> dict[str, int]:
    query = select(Order.status, func.count()).group_by(Order.status)
    if buyer_id is not None:
        query = query.where(Order.buyer_id == buyer_id)
    if shop_id is not None:
        query = query.where(Order.shop_id == shop_id)
    counts = dict.fromkeys(ORDER_STATUSES, 0)
    counts.update({status: count for status, count in await uow.session.execute(query)})
    return counts


@dataclass(frozen=True)
class Contact:
    recipient: str
    phone: str
    detail: str


def shipping_contact(ctx: AppContext, order: Order) -> Contact:
    """The full contact, for the buyer who gave it (and for binding a virtual number)."""
    data = json.loads(ctx.keyring.decrypt(order.ship_contact_ciphertext))
    return Contact(data["recipient"], data["phone"], data["detail"])


@dataclass(frozen=True)
class ShopContact:
    """What a shop sees of where an order goes; ``detail`` is None once it has left."""

    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str | None


AWAITING_SHIPMENT = "paid"
ON_ITS_WAY = frozenset({"shipped", "delivered", "completed"})


def contact_for_shop(ctx: AppContext, order: Order) -> ShopContact | None:
    """The buyer's contact as the shop may see it (最小必要): nothing before payment or
    once cancelled; the full address with a masked phone while it is to be shipped; once
    shipped, a masked name and phone and the region only. A full number is reached only
    through a virtual number (``jishi.privacy``)."""
    if order.status != AWAITING_SHIPMENT and order.status not in ON_ITS_WAY:
        return None
    contact = shipping_contact(ctx, order)
    shipping = order.status == AWAITING_SHIPMENT
    return ShopContact(
        recipient=contact.recipient if shipping else mask_name(contact.recipient),
        phone=mask_phone(contact.phone),
        province=order.ship_province,
        city=order.ship_city,
        district=order.ship_district,
        detail=contact.detail if shipping else None,
    )


REACHABLE = frozenset({"paid", "shipped"})


@dataclass(frozen=True)
class ReachableBuyer:
    order_id: str
    shop_id: str
    buyer_id: str
    phone: str


async def buyer_to_reach(uow: UnitOfWork, ctx: AppContext, shop_id: str, order_id: str) -> ReachableBuyer:
    """The buyer's real number, for a virtual number a shop or its courier can call; only
    while the order is to be shipped or on its way (another shop's order is not found)."""
    order = await _shop_order(uow, shop_id, order_id)
    if order.status not in REACHABLE:
        raise _conflict(order, "contact")
    return ReachableBuyer(order.id, order.shop_id, order.buyer_id, shipping_contact(ctx, order).phone)
