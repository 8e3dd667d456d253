"""Business rules of payments (支付).

A payment is what a buyer pays for one checkout. ``trade_no`` (商户订单号) is the number
the gateway knows it by; it is rotated whenever a gateway trade is closed, so a closed
number is never opened again. ``channel`` is set while a gateway trade may be open.
Every number sent to a gateway stays in ``payment_trades``: a gateway can still report
a closed trade paid (the buyer paid as the close took effect), and that news must find
its payment.

A payment becomes paid in exactly one place, ``_apply_paid``: a conditional update from
``pending``, every paid-listener and the ``payment.paid`` event in one transaction. A
notification, a query fallback (sync, reconcile) and a close refused because the trade
was paid all go through ``_settle_paid``, which resolves the trade to its payment and
either applies it or, when the payment cannot use that trade's money (paid by another
trade, closed, or now owing another amount), refunds the trade in full, once.

Calls to gateways never happen inside a database transaction: flows that talk to a
gateway take the ``AppContext`` and open short units of work around each call.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, rowcount, table_of, upsert
from jishi.core.errors import AppError, NotFound, invalid_field
from jishi.core.idempotency import claim, find_replay, store
from jishi.core.ids import new_id
from jishi.core.money import format_yuan
from jishi.payments.errors import GatewayUnavailable, InvalidNotification, TradeAlreadyPaid, TradeClosed
from jishi.payments.events import PaymentClosed, PaymentPaid, PaymentRefunded
from jishi.payments.models import PAYMENT_ROWS, Payment, PaymentNotification, PaymentRefund, PaymentTrade
from jishi.payments.providers import provider_for
from jishi.payments.providers.base import (
    GatewayNotice,
    GatewayReply,
    PayAction,
    PaymentProvider,
    RefundOutcome,
    TradeRequest,
    TradeState,
)

log = structlog.get_logger(__name__)

PaidListener = Callable[[UnitOfWork, PaymentPaid], Awaitable[None]]
NotificationRecorder = Callable[[UnitOfWork, str, str | None], None]

# The API lives under /api/v1 (jishi.app); gateways are told these absolute addresses.
NOTIFY_PATH = "/api/v1/payments/notify/{channel}"
RESULT_PATH = "/payments/{payment_id}/result"  # the web app's payment result page
IDEMPOTENCY_SCOPE = "payments.pay"
RECONCILE_AFTER = timedelta(minutes=1)
RECONCILE_WINDOW = timedelta(days=1)
RECONCILE_BATCH = 100
MAX_STORED_BODY = 8000
MAX_URL_LENGTH = 300
SUBJECT_LENGTH = 128
_CHINA = timezone(timedelta(hours=8))
# Why a paid trade's money goes back (the refund's reason, shown to support and the buyer).
TRADE_REFUND_REASONS = {
    "duplicate_payment": "重复支付",
    "payment_closed": "支付已关闭",
    "amount_changed": "支付金额已变更",
}

_paid_listeners: list[PaidListener] = []


def on_payment_paid(listener: PaidListener) -> PaidListener:
    """Register a listener run inside the transaction that marks a payment paid (支付成功);
    ``jishi.bootstrap`` does, once per process.

    For reactions that must commit or fail with the payment itself (its orders become paid):
    listeners must only change rows; raising rolls the whole transition back, and the
    gateway's next notification (or a query) tries again. Anything that may happen later
    subscribes to the ``PaymentPaid`` event through the outbox instead.
    """
    if listener not in _paid_listeners:
        _paid_listeners.append(listener)
    return listener


# ---- creating and reading ------------------------------------------------------------------


def _number(prefix: str, now: datetime) -> str:
    """Date and time (Beijing) then 14 random digits: unique, unguessable, ≤ 32 characters."""
    return f"{prefix}{now.astimezone(_CHINA):%Y%m%d%H%M%S}{secrets.randbelow(10**14):014d}"


@dataclass(frozen=True)
class NewPayment:
    """A payment just created for a checkout (not an ORM object: nothing to flush)."""

    id: str
    trade_no: str
    amount_fen: int
    status: str
    expires_at: datetime


def create_payment(
    uow: UnitOfWork, *, buyer_id: str, amount_fen: int, subject: str, expires_at: datetime
) -> NewPayment:
    """A pending payment for a checkout, staged in the caller's unit of work (written with
    its next statement or its commit)."""
    if amount_fen <= 0:
        raise ValueError("a payment must be for a positive amount")
    now = uow.now()
    payment = NewPayment(new_id(), _number("", now), amount_fen, "pending", expires_at)
    uow.stage(
        PAYMENT_ROWS,
        [
            {
                "id": payment.id,
                "buyer_id": buyer_id,
                "amount_fen": amount_fen,
                "subject": " ".join(subject.split())[:SUBJECT_LENGTH] or "集市订单",
                "status": payment.status,
                "channel": None,
                "trade_no": payment.trade_no,
                "refunded_fen": 0,
                "expires_at": expires_at,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    return payment


async def _fresh(uow: UnitOfWork, payment_id: str) -> Payment | None:
    """The payment as the database has it now (not as this session last saw it)."""
    return await uow.session.scalar(
        select(Payment).where(Payment.id == payment_id).execution_options(populate_existing=True)
    )


async def current_trade_no(uow: UnitOfWork, payment_id: str) -> str:
    """For other packages (orders, before a cancel): the number the payment's gateway trade
    goes by now."""
    return (await get_payment(uow, payment_id)).trade_no


async def get_payment(uow: UnitOfWork, payment_id: str) -> Payment:
    """The payment, or 404."""
    payment = await _fresh(uow, payment_id)
    if payment is None:
        raise NotFound()
    return payment


async def buyer_payment(uow: UnitOfWork, buyer_id: str, payment_id: str) -> Payment:
    """The buyer's own payment; anyone else's is 404."""
    payment = await _fresh(uow, payment_id)
    if payment is None or payment.buyer_id != buyer_id:
        raise NotFound()
    return payment


async def _load(ctx: AppContext, payment_id: str) -> Payment:
    async with ctx.database.uow() as uow:
        return await get_payment(uow, payment_id)


# ---- the one way to paid -------------------------------------------------------------------


@dataclass(frozen=True)
class TradePaid:
    """A gateway's word that one of our trades was paid, from a notification or a query."""

    channel: str
    trade_no: str
    gateway_trade_no: str | None
    amount_fen: int
    paid_at: datetime | None


async def _apply_paid(uow: UnitOfWork, trade: PaymentTrade, paid: TradePaid) -> bool:
    """Mark the trade's payment paid by it, run the listeners and record ``payment.paid``;
    False when the payment is no longer pending or no longer owes what the trade asked.

    The caller commits. Any of the payment's trades may pay it, the current one or one
    closed since: the update is conditional on the amount that trade was opened for, so
    a trade opened before part of the checkout was cancelled pays nothing (its money
    goes back). The paying trade becomes the payment's ``trade_no``, so refunds go back
    through the trade that holds the money, and any other number is closed.
    """
    now = uow.now()
    result = await uow.session.execute(
        update(Payment)
        .where(
            Payment.id == trade.payment_id,
            Payment.status == "pending",
            Payment.amount_fen == trade.amount_fen,
        )
        .values(
            status="paid",
            trade_no=trade.trade_no,
            channel=trade.channel,
            gateway_trade_no=paid.gateway_trade_no,
            paid_at=paid.paid_at or now,
            updated_at=now,
        )
    )
    if rowcount(result) != 1:
        return False
    await _close_other_trades(uow, trade, now)
    payment = await get_payment(uow, trade.payment_id)
    event = PaymentPaid(
        payment_id=payment.id,
        buyer_id=payment.buyer_id,
        amount_fen=payment.amount_fen,
        channel=trade.channel,
        paid_at=payment.paid_at or now,
    )
    for listener in list(_paid_listeners):
        await listener(uow, event)
    uow.publish(event)
    return True


async def _close_other_trades(uow: UnitOfWork, trade: PaymentTrade, now: datetime) -> None:
    """The paying trade is resolved; any other number of the payment is closed on our side."""
    await uow.session.execute(
        update(PaymentTrade)
        .where(
            PaymentTrade.payment_id == trade.payment_id,
            PaymentTrade.trade_no != trade.trade_no,
            PaymentTrade.closed_at.is_(None),
        )
        .values(closed_at=now)
    )
    await uow.session.execute(
        update(PaymentTrade).where(PaymentTrade.trade_no == trade.trade_no).values(resolved_at=now)
    )


def _gateway_down(exc: GatewayUnavailable) -> AppError:
    log.warning("payments.gateway_unavailable", error=str(exc))
    return AppError("payment_gateway_unavailable")


async def _sync_with(ctx: AppContext, provider: PaymentProvider, payment: Payment) -> Payment:
    """Query fallback (主动查询) of the current trade: a paid state is settled like a paid
    notification; returns the payment now."""
    try:
        state = await provider.query(payment.trade_no)
    except GatewayUnavailable as exc:
        raise _gateway_down(exc) from exc
    if state.status == "paid":
        await _settle_queried(ctx, provider.channel, payment.trade_no, state)
    return await _load(ctx, payment.id)


async def _settle_queried(ctx: AppContext, channel: str, trade_no: str, state: TradeState) -> str:
    """Settle a trade a query found paid (an unknown amount matches nothing)."""
    amount_fen = state.amount_fen if state.amount_fen is not None else 0
    paid = TradePaid(channel, trade_no, state.gateway_trade_no, amount_fen, state.paid_at)
    outcome = await _settle_paid(ctx, paid)
    if outcome == "applied":
        log.info("payments.paid_by_query", trade_no=trade_no)
    elif outcome.startswith("rejected"):
        log.error(
            "payments.query_rejected", trade_no=trade_no, outcome=outcome, gateway_amount_fen=amount_fen
        )
    return outcome


async def sync_payment(ctx: AppContext, buyer_id: str, payment_id: str) -> Payment:
    """Ask the gateway about the buyer's pending payment (e.g. from the result page)."""
    async with ctx.database.uow() as uow:
        payment = await buyer_payment(uow, buyer_id, payment_id)
    if payment.status != "pending" or payment.channel is None:
        return payment
    return await _sync_with(ctx, provider_for(ctx, payment.channel), payment)


async def reconcile_pending(ctx: AppContext) -> int:
    """Query pending payments whose trade has been open a while (a lost notification), and
    trades closed a while ago (a pay that crossed the close); returns how many turned out paid."""
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        payments = list(
            await uow.session.scalars(
                select(Payment)
                .where(
                    Payment.status == "pending",
                    Payment.channel.is_not(None),
                    Payment.updated_at <= now - RECONCILE_AFTER,
                    Payment.updated_at >= now - RECONCILE_WINDOW,
                )
                .order_by(Payment.updated_at)
                .limit(RECONCILE_BATCH)
            )
        )
    paid = 0
    for payment in payments:
        assert payment.channel is not None
        try:
            payment = await _sync_with(ctx, provider_for(ctx, payment.channel), payment)
        except AppError as exc:  # one unreachable channel must not stop the others
            log.warning("payments.reconcile_skipped", payment_id=payment.id, code=exc.code)
            continue
        paid += payment.status == "paid"
    return paid + await _reconcile_closed_trades(ctx)


async def _reconcile_closed_trades(ctx: AppContext) -> int:
    """Ask once about each trade closed in the last day (a minute after its close): a
    close and a pay can cross at the gateway, and the notification may be lost too."""
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        trades = list(
            await uow.session.scalars(
                select(PaymentTrade)
                .where(
                    PaymentTrade.resolved_at.is_(None),
                    PaymentTrade.closed_at <= now - RECONCILE_AFTER,
                    PaymentTrade.closed_at >= now - RECONCILE_WINDOW,
                )
                .order_by(PaymentTrade.closed_at)
                .limit(RECONCILE_BATCH)
            )
        )
    paid = 0
    for trade in trades:
        try:
            paid += await _check_closed_trade(ctx, trade)
        except (AppError, GatewayUnavailable) as exc:  # one unreachable channel must not stop the others
            log.warning("payments.reconcile_skipped", trade_no=trade.trade_no, error=repr(exc))
    return paid


async def _check_closed_trade(ctx: AppContext, trade: PaymentTrade) -> bool:
    """Money a closed trade took anyway is applied or sent back; a trade still open is
    closed again and asked about next time; True when it turned out paid."""
    state = await provider_for(ctx, trade.channel).query(trade.trade_no)
    if state.status == "waiting":
        await _close_quietly(ctx, trade.trade_no, trade.channel)
        return False
    outcome = "closed"
    if state.status == "paid":
        outcome = await _settle_queried(ctx, trade.channel, trade.trade_no, state)
    if outcome != "refund_pending":  # a refund the gateway did not answer is sent again next time
        await _mark_resolved(ctx, trade.trade_no)
    return state.status == "paid"


async def _mark_resolved(ctx: AppContext, trade_no: str) -> None:
    async with ctx.database.uow() as uow:
        await uow.session.execute(
            update(PaymentTrade)
            .where(PaymentTrade.trade_no == trade_no, PaymentTrade.resolved_at.is_(None))
            .values(resolved_at=uow.now())
        )
        await uow.commit()


async def _close_quietly(ctx: AppContext, trade_no: str, channel: str) -> None:
    """Close a trade the payment no longer uses, as far as the gateway lets us: if it took
    money anyway, its notification (or the reconcile job) sends that back."""
    try:
        await provider_for(ctx, channel).close(trade_no)
    except (AppError, GatewayUnavailable, TradeAlreadyPaid) as exc:
        log.warning("payments.unused_trade_not_closed", trade_no=trade_no, error=repr(exc))


# ---- starting a payment --------------------------------------------------------------------


@dataclass(frozen=True)
class PayStarted:
    """The answer to "pay": which channel, and what the buyer's client does next."""

    channel: str
    action: PayAction

    def to_json(self) -> dict[str, Any]:
        action = self.action
        form_fields = dict(action.form_fields) if action.form_fields is not None else None
        return {
            "channel": self.channel,
            "action": {
                "type": action.type,
                "url": action.url,
                "qr_content": action.qr_content,
                "form_fields": form_fields,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PayStarted:
        return cls(channel=data["channel"], action=PayAction(**data["action"]))


@dataclass(frozen=True)
class IdempotentRequest:
    """An ``Idempotency-Key`` and the fingerprint of the request it came with."""

    owner_id: str
    key: str
    fingerprint: str


def _ensure_payable(payment: Payment, now: datetime) -> None:
    if payment.status in ("paid", "refunded"):
        raise AppError("payment_already_paid")
    if payment.status == "closed":
        raise AppError("payment_closed")
    if payment.expires_at <= now:
        raise AppError("payment_expired")


def resolve_return_url(public_base_url: str, return_url: str | None, payment_id: str) -> str:
    """Where the gateway sends the buyer back: our own site only (no open redirect)."""
    base = public_base_url.rstrip("/")
    if return_url is None:
        return base + RESULT_PATH.format(payment_id=payment_id)
    if not return_url.isprintable() or "\\" in return_url or any(c.isspace() for c in return_url):
        raise _bad_return_url()
    if return_url.startswith("/") and not return_url.startswith("//"):
        return_url = base + return_url
    target, own = urlsplit(return_url), urlsplit(base)
    same_origin = (target.scheme, target.netloc.lower()) == (own.scheme, own.netloc.lower())
    if not same_origin or len(return_url) > MAX_URL_LENGTH:
        raise _bad_return_url()
    return return_url


def _bad_return_url() -> AppError:
    return invalid_field(
        "return_url",
        "not_same_origin",
        f"只能返回本站地址（{MAX_URL_LENGTH} 个字符以内）。",
        f"Must be an address on this site, at most {MAX_URL_LENGTH} characters.",
    )


async def start_payment(
    ctx: AppContext,
    *,
    buyer_id: str,
    payment_id: str,
    channel: str,
    return_url: str | None,
    idempotency: IdempotentRequest | None = None,
) -> PayStarted:
    """Pay the buyer's pending payment through a channel (发起支付).

    Paying again through the same channel reuses the open gateway trade; another channel
    closes that trade first, so one payment never has two payable trades.
    """
    async with ctx.database.uow() as uow:
        if idempotency is not None:
            replay = await find_replay(
                uow, idempotency.owner_id, IDEMPOTENCY_SCOPE, idempotency.key, idempotency.fingerprint
            )
            if replay is not None:
                return PayStarted.from_json(replay.response_body)
        payment = await buyer_payment(uow, buyer_id, payment_id)
    _ensure_payable(payment, ctx.clock.now())
    provider = provider_for(ctx, channel)
    target = resolve_return_url(ctx.settings.public_base_url, return_url, payment.id)
    if payment.channel not in (None, channel):
        payment = await _close_trade(ctx, payment)
        _ensure_payable(payment, ctx.clock.now())
    started = PayStarted(channel, await _open_trade(ctx, provider, payment, target))
    if idempotency is not None:
        started = await _remember(ctx, idempotency, started)
    return started


async def _open_trade(
    ctx: AppContext, provider: PaymentProvider, payment: Payment, return_url: str
) -> PayAction:
    """Open (or reopen) the gateway trade; a number the gateway has closed is replaced once."""
    base = ctx.settings.public_base_url.rstrip("/")
    for _ in range(2):
        payment = await _mark_trade_open(ctx, payment, provider.channel)
        request = TradeRequest(
            trade_no=payment.trade_no,
            amount_fen=payment.amount_fen,
            subject=payment.subject,
            notify_url=base + NOTIFY_PATH.format(channel=provider.channel),
            return_url=return_url,
            expires_at=payment.expires_at,
        )
        try:
            return await provider.create_trade(request)
        except TradeClosed:
            payment = await _rotate_trade_no(ctx, payment)
            _ensure_payable(payment, ctx.clock.now())
        except TradeAlreadyPaid as exc:
            payment = await _sync_with(ctx, provider, payment)
            code = "payment_already_paid" if payment.status != "pending" else "payment_in_progress"
            raise AppError(code) from exc
        except GatewayUnavailable as exc:
            raise _gateway_down(exc) from exc
    raise AppError("payment_in_progress")


async def _mark_trade_open(ctx: AppContext, payment: Payment, channel: str) -> Payment:
    """Record the channel and keep the trade before asking the gateway, so the amount
    cannot change meanwhile and whatever the gateway says of the number finds the payment."""
    async with ctx.database.uow() as uow:
        result = await uow.session.execute(
            update(Payment)
            .where(
                Payment.id == payment.id,
                Payment.status == "pending",
                Payment.trade_no == payment.trade_no,
                Payment.amount_fen == payment.amount_fen,
                or_(Payment.channel.is_(None), Payment.channel == channel),
            )
            .values(channel=channel, updated_at=uow.now())
        )
        if rowcount(result) == 1:
            await _keep_trade(uow, payment, channel)
        await uow.commit()
        current = await get_payment(uow, payment.id)
    if rowcount(result) != 1:
        _ensure_payable(current, ctx.clock.now())
        raise AppError("payment_in_progress")
    return current


async def _keep_trade(uow: UnitOfWork, payment: Payment, channel: str) -> None:
    """The trade number, its channel and the amount it asks; reopening it changes nothing
    (while a number is open neither its channel nor the payment's amount can change)."""
    row = {
        "trade_no": payment.trade_no,
        "payment_id": payment.id,
        "channel": channel,
        "amount_fen": payment.amount_fen,
        "opened_at": uow.now(),
    }
    insert = upsert(uow.database.dialect, table_of(PaymentTrade)).values(row)
    await uow.session.execute(insert.on_conflict_do_nothing(index_elements=["trade_no"]))


async def _remember(ctx: AppContext, idempotency: IdempotentRequest, started: PayStarted) -> PayStarted:
    """Store the answer under the key; if a concurrent request stored one first, that one wins.

    The key is looked up again in this transaction first: that also clears a record too
    old to replay, so the key can be claimed again."""
    async with ctx.database.uow() as uow:
        replay = await find_replay(
            uow, idempotency.owner_id, IDEMPOTENCY_SCOPE, idempotency.key, idempotency.fingerprint
        )
        if replay is not None:
            return PayStarted.from_json(replay.response_body)
        record = claim(uow, idempotency.owner_id, IDEMPOTENCY_SCOPE, idempotency.key, idempotency.fingerprint)
        store(record, 200, started.to_json())
        try:
            await uow.commit()
        except IntegrityError:
            await uow.rollback()
            replay = await find_replay(
                uow, idempotency.owner_id, IDEMPOTENCY_SCOPE, idempotency.key, idempotency.fingerprint
            )
            if replay is None:
                raise
            return PayStarted.from_json(replay.response_body)
    return started


# ---- closing the trade, for cancellations ---------------------------------------------------


async def _rotate_trade_no(ctx: AppContext, payment: Payment) -> Payment:
    """On our side the trade is closed: a fresh number, no channel; the old number stays in
    ``payment_trades``, closed, for news of it. Returns the payment now."""
    async with ctx.database.uow() as uow:
        now = uow.now()
        result = await uow.session.execute(
            update(Payment)
            .where(
                Payment.id == payment.id, Payment.status == "pending", Payment.trade_no == payment.trade_no
            )
            .values(trade_no=_number("", now), channel=None, gateway_trade_no=None, updated_at=now)
        )
        if rowcount(result) == 1:
            await uow.session.execute(
                update(PaymentTrade)
                .where(PaymentTrade.trade_no == payment.trade_no, PaymentTrade.closed_at.is_(None))
                .values(closed_at=now)
            )
        await uow.commit()
        return await get_payment(uow, payment.id)


async def _close_trade(ctx: AppContext, payment: Payment) -> Payment:
    """Close the open gateway trade, then rotate the number; if the gateway says it was
    paid, the payment is marked paid instead. Returns the payment as it now stands."""
    assert payment.channel is not None
    provider = provider_for(ctx, payment.channel)
    try:
        await provider.close(payment.trade_no)
    except TradeAlreadyPaid:
        return await _sync_with(ctx, provider, payment)
    except GatewayUnavailable as exc:
        raise _gateway_down(exc) from exc
    return await _rotate_trade_no(ctx, payment)


async def prepare_cancel(ctx: AppContext, payment_id: str) -> bool:
    """Before orders are cancelled: make sure the payment can no longer be paid.

    True when it cannot (any open trade is closed at the gateway first); False when it
    was paid after all, in which case the paid-listeners have run.
    """
    payment = await _load(ctx, payment_id)
    if payment.status == "pending" and payment.channel is not None:
        payment = await _close_trade(ctx, payment)
    return payment.status not in ("paid", "refunded")


async def reduce_amount(uow: UnitOfWork, payment_id: str, by_fen: int, *, expected_trade_no: str) -> Payment:
    """Lower what is owed (an order of the checkout was cancelled), in the caller's transaction.

    Only while no gateway trade is open (call ``prepare_cancel`` first) and the trade
    number is still ``expected_trade_no``; else 409 ``payment_in_progress``. Reducing by
    the whole amount closes the payment; it keeps the amount it last asked for.
    """
    if by_fen <= 0:
        raise ValueError("by_fen must be positive")
    payment = await get_payment(uow, payment_id)
    if by_fen > payment.amount_fen:
        raise ValueError("cannot reduce a payment below zero")
    now = uow.now()
    closing = by_fen == payment.amount_fen
    changes: dict[str, Any] = (
        {"status": "closed", "closed_at": now} if closing else {"amount_fen": Payment.amount_fen - by_fen}
    )
    result = await uow.session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status == "pending",
            Payment.trade_no == expected_trade_no,
            Payment.channel.is_(None),
            Payment.amount_fen == payment.amount_fen,
        )
        .values(**changes, updated_at=now)
    )
    if rowcount(result) != 1:
        raise AppError("payment_in_progress")
    if closing:
        uow.publish(PaymentClosed(payment_id=payment_id))
    return await get_payment(uow, payment_id)


# ---- notifications (异步通知) ----------------------------------------------------------------


async def handle_notification(
    ctx: AppContext, channel: str, body: bytes, headers: Mapping[str, str]
) -> GatewayReply:
    """Verify a gateway's notification, apply it, keep it, and answer as the gateway expects."""
    provider = provider_for(ctx, channel)
    try:
        notice = await provider.parse_notification(body, headers)
    except InvalidNotification as exc:
        await _keep_notification(ctx, channel, body, None, f"rejected:{exc.reason}")
        return provider.notification_reply(False)
    try:
        outcome = await _apply_notice(ctx, channel, notice, body)
    except Exception:  # a failing listener: nothing was applied, the gateway will send again
        log.exception("payments.notification_failed", channel=channel, trade_no=notice.trade_no)
        await _keep_notification(ctx, channel, body, notice, "error")
        return provider.notification_reply(False)
    if outcome.startswith("rejected"):
        log.warning(
            "payments.notification_rejected", channel=channel, trade_no=notice.trade_no, outcome=outcome
        )
    # A refund the gateway did not answer is sent again when the notification is.
    return provider.notification_reply(not outcome.startswith("rejected") and outcome != "refund_pending")


async def _apply_notice(ctx: AppContext, channel: str, notice: GatewayNotice, body: bytes) -> str:
    def record(uow: UnitOfWork, outcome: str, payment_id: str | None) -> None:
        uow.session.add(_notification_row(uow, channel, body, notice, outcome, payment_id))

    if notice.status == "paid":
        paid = TradePaid(channel, notice.trade_no, notice.gateway_trade_no, notice.amount_fen, notice.paid_at)
        return await _settle_paid(ctx, paid, record)
    async with ctx.database.uow() as uow:
        trade = await _trade(uow, notice.trade_no)
        outcome = f"ignored:{notice.status}" if trade is not None else "rejected:unknown_trade"
        record(uow, outcome, trade.payment_id if trade is not None else None)
        await uow.commit()
    return outcome


# ---- a paid trade: applied, a duplicate, or money to send back ------------------------------


@dataclass(frozen=True)
class _Judged:
    """What a paid trade means for its payment; ``refund`` when its money goes back."""

    outcome: str
    payment_id: str | None = None
    refund: PaymentRefund | None = None
    unused_trade: tuple[str, str] | None = None  # (trade_no, channel) left open by the paying trade


async def _settle_paid(ctx: AppContext, paid: TradePaid, record: NotificationRecorder | None = None) -> str:
    """Apply a paid trade to its payment, or send its money back; returns the outcome.

    ``applied``, ``duplicate`` (already counted, or already sent back), ``rejected:<why>``,
    ``refunded:<why>``, ``refund_failed`` (the gateway refused: a person must look) or
    ``refund_pending`` (the gateway did not answer: asked again with the same refund
    number on the next notification or reconcile run). The refund is claimed and
    committed before the gateway is asked, never inside a transaction; ``record``
    keeps the notification with its outcome.
    """
    async with ctx.database.uow() as uow:
        judged = await _judge_paid(uow, paid)
        if judged.refund is None and record is not None:
            record(uow, judged.outcome, judged.payment_id)
        await uow.commit()
    if judged.unused_trade is not None:
        await _close_quietly(ctx, *judged.unused_trade)
    if judged.refund is None:
        return judged.outcome
    outcome = await _send_back(ctx, paid.channel, judged.refund)
    if record is not None:
        async with ctx.database.uow() as uow:
            record(uow, outcome, judged.payment_id)
            await uow.commit()
    return outcome


async def _judge_paid(uow: UnitOfWork, paid: TradePaid) -> _Judged:
    trade = await _trade(uow, paid.trade_no)
    if trade is None:
        return _Judged("rejected:unknown_trade")
    payment_id = trade.payment_id  # kept: a lost claim rolls back and expires what was loaded
    if paid.channel != trade.channel:
        return _Judged("rejected:wrong_channel", payment_id)
    if paid.amount_fen != trade.amount_fen:
        return _Judged("rejected:amount_mismatch", payment_id)
    if trade.refund_id is not None:  # its money has been (or is being) sent back
        return _Judged("refund", payment_id, refund=await _refund_of(uow, trade.refund_id))
    left_open = _left_open(await get_payment(uow, payment_id), trade)  # before it is refreshed
    if await _apply_paid(uow, trade, paid):
        return _Judged("applied", payment_id, unused_trade=left_open)
    current = await get_payment(uow, payment_id)
    if current.status in ("paid", "refunded") and current.trade_no == trade.trade_no:
        return _Judged("duplicate", payment_id)
    refund = await _claim_trade_refund(uow, trade, _why_unusable(current, trade))
    return _Judged("refund", payment_id, refund=refund)


def _left_open(payment: Payment, paying: PaymentTrade) -> tuple[str, str] | None:
    """The trade the payment has open, if another (closed) trade is about to pay it."""
    if payment.trade_no == paying.trade_no or payment.channel is None:
        return None
    return payment.trade_no, payment.channel


def _why_unusable(payment: Payment, trade: PaymentTrade) -> str:
    """Why the payment cannot take the trade's money (it was not marked paid by it)."""
    if payment.status in ("paid", "refunded"):
        return "duplicate_payment"
    if payment.status == "closed":
        return "payment_closed"
    if payment.amount_fen == trade.amount_fen:  # cannot be: it would have been applied
        raise RuntimeError(f"payment {payment.id} owes what trade {trade.trade_no} paid yet stays pending")
    return "amount_changed"


async def _trade(uow: UnitOfWork, trade_no: str) -> PaymentTrade | None:
    return await uow.session.scalar(
        select(PaymentTrade)
        .where(PaymentTrade.trade_no == trade_no)
        .execution_options(populate_existing=True)
    )


async def _refund_of(uow: UnitOfWork, refund_id: str) -> PaymentRefund:
    return (
        await uow.session.scalars(
            select(PaymentRefund)
            .where(PaymentRefund.id == refund_id)
            .execution_options(populate_existing=True)
        )
    ).one()


async def _claim_trade_refund(uow: UnitOfWork, trade: PaymentTrade, why: str) -> PaymentRefund:
    """The refund of the whole trade, claimed on the trade row: the first claim stands, and
    a repeated notification or a simultaneous query finds it instead of refunding again."""
    now = uow.now()
    refund = PaymentRefund(
        payment_id=trade.payment_id,
        trade_no=trade.trade_no,
        refund_no=_number("R", now),
        amount_fen=trade.amount_fen,
        reason=TRADE_REFUND_REASONS[why],
        status="pending",
        created_at=now,
    )
    uow.session.add(refund)
    await uow.session.flush()
    claimed = await uow.session.execute(
        update(PaymentTrade)
        .where(PaymentTrade.trade_no == trade.trade_no, PaymentTrade.refund_id.is_(None))
        .values(refund_id=refund.id)
    )
    if rowcount(claimed) == 1:
        log.error(
            "payments.duplicate_trade_paid",
            payment_id=trade.payment_id,
            trade_no=trade.trade_no,
            amount_fen=trade.amount_fen,
            why=why,
            refund_no=refund.refund_no,
        )
        return refund
    trade_no = trade.trade_no
    await uow.rollback()  # another delivery claimed it first: send back that one
    winner = await _trade(uow, trade_no)
    assert winner is not None and winner.refund_id is not None
    return await _refund_of(uow, winner.refund_id)


async def _send_back(ctx: AppContext, channel: str, refund: PaymentRefund) -> str:
    """Refund the trade through its own channel. Asking again sends the same refund number,
    which a gateway refunds at most once."""
    if refund.status != "pending":
        return "duplicate" if refund.status == "succeeded" else "refund_failed"
    provider = provider_for(ctx, channel)
    try:
        outcome = await provider.refund(refund.trade_no, refund.refund_no, refund.amount_fen, refund.reason)
    except GatewayUnavailable as exc:
        log.warning("payments.trade_refund_pending", refund_no=refund.refund_no, error=str(exc))
        return "refund_pending"
    await _settle_trade_refund(ctx, refund, outcome)
    if outcome.status != "succeeded":
        log.error("payments.trade_refund_refused", refund_no=refund.refund_no, reason=outcome.reason)
        return "refund_failed"
    log.warning(
        "payments.duplicate_trade_refunded",
        payment_id=refund.payment_id,
        trade_no=refund.trade_no,
        refund_no=refund.refund_no,
        amount_fen=refund.amount_fen,
    )
    why = next((code for code, text in TRADE_REFUND_REASONS.items() if text == refund.reason), "other")
    return f"refunded:{why}"


async def _settle_trade_refund(ctx: AppContext, refund: PaymentRefund, outcome: RefundOutcome) -> None:
    """Record the gateway's answer; the payment's own amounts are not touched."""
    async with ctx.database.uow() as uow:
        now = uow.now()
        await uow.session.execute(
            update(PaymentRefund)
            .where(PaymentRefund.id == refund.id, PaymentRefund.status == "pending")
            .values(status=outcome.status, completed_at=now)
        )
        await uow.session.execute(
            update(PaymentTrade)
            .where(PaymentTrade.refund_id == refund.id, PaymentTrade.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        await uow.commit()


def _notification_row(
    uow: UnitOfWork,
    channel: str,
    body: bytes,
    notice: GatewayNotice | None,
    outcome: str,
    payment_id: str | None = None,
) -> PaymentNotification:
    """A notification as received; ``notice`` is None when it failed verification."""
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")[:MAX_STORED_BODY]
    return PaymentNotification(
        channel=channel,
        trade_no=notice.trade_no if notice else None,
        payment_id=payment_id,
        verified=notice is not None,
        outcome=outcome,
        body=text,
        created_at=uow.now(),
    )


async def _keep_notification(
    ctx: AppContext, channel: str, body: bytes, notice: GatewayNotice | None, outcome: str
) -> None:
    async with ctx.database.uow() as uow:
        uow.session.add(_notification_row(uow, channel, body, notice, outcome))
        await uow.commit()


# ---- refunds (退款) -------------------------------------------------------------------------


async def refund_payment(
    ctx: AppContext, payment_id: str, amount_fen: int, reason: str, order_id: str | None = None
) -> PaymentRefund:
    """Send part or all of a paid payment back through its channel.

    The amount is reserved on the payment before the gateway is asked, so concurrent
    refunds never exceed what was paid. If the gateway cannot be reached the refund
    stays ``pending`` with its amount reserved, and 503 ``payment_gateway_unavailable``.
    """
    if amount_fen <= 0:
        raise ValueError("a refund must be for a positive amount")
    payment, refund = await _reserve_refund(ctx, payment_id, amount_fen, reason, order_id)
    assert payment.channel is not None
    provider = provider_for(ctx, payment.channel)
    try:
        outcome = await provider.refund(payment.trade_no, refund.refund_no, amount_fen, refund.reason)
    except GatewayUnavailable as exc:
        raise _gateway_down(exc) from exc
    return await _settle_refund(ctx, refund, outcome)


async def _reserve_refund(
    ctx: AppContext, payment_id: str, amount_fen: int, reason: str, order_id: str | None
) -> tuple[Payment, PaymentRefund]:
    async with ctx.database.uow() as uow:
        payment = await get_payment(uow, payment_id)
        if payment.status != "paid":
            raise AppError("invalid_state", status=payment.status)
        now = uow.now()
        result = await uow.session.execute(
            update(Payment)
            .where(
                Payment.id == payment_id,
                Payment.status == "paid",
                Payment.refunded_fen + amount_fen <= Payment.amount_fen,
            )
            .values(refunded_fen=Payment.refunded_fen + amount_fen, updated_at=now)
        )
        if rowcount(result) != 1:
            current = await get_payment(uow, payment_id)
            refundable = format_yuan(current.amount_fen - current.refunded_fen)
            raise AppError("refund_exceeds_payment", refundable=refundable)
        refund = PaymentRefund(
            payment_id=payment_id,
            trade_no=payment.trade_no,
            refund_no=_number("R", now),
            amount_fen=amount_fen,
            reason=reason[:200],
            status="pending",
            order_id=order_id,
            created_at=now,
        )
        uow.session.add(refund)
        await uow.commit()
    return payment, refund


async def _settle_refund(ctx: AppContext, refund: PaymentRefund, outcome: RefundOutcome) -> PaymentRefund:
    async with ctx.database.uow() as uow:
        now = uow.now()
        succeeded = outcome.status == "succeeded"
        await uow.session.execute(
            update(PaymentRefund)
            .where(PaymentRefund.id == refund.id, PaymentRefund.status == "pending")
            .values(status=outcome.status, completed_at=now)
        )
        if succeeded:
            await uow.session.execute(
                update(Payment)
                .where(
                    Payment.id == refund.payment_id,
                    Payment.status == "paid",
                    Payment.refunded_fen == Payment.amount_fen,
                )
                .values(status="refunded", updated_at=now)
            )
            uow.publish(
                PaymentRefunded(
                    payment_id=refund.payment_id,
                    refund_id=refund.id,
                    amount_fen=refund.amount_fen,
                    order_id=refund.order_id,
                )
            )
        else:
            log.warning("payments.refund_refused", refund_id=refund.id, reason=outcome.reason)
            await uow.session.execute(
                update(Payment)
                .where(Payment.id == refund.payment_id)
                .values(refunded_fen=Payment.refunded_fen - refund.amount_fen, updated_at=now)
            )
        await uow.commit()
        settled = await uow.session.get(PaymentRefund, refund.id)
        assert settled is not None
        return settled
