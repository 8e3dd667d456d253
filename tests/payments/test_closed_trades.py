"""A trade paid after we closed it: its news finds the payment through ``payment_trades``; the
money pays the payment if it still owes exactly that, and goes back once otherwise."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.payments import service
from jishi.payments.models import SandboxRefund
from jishi.payments.sandbox_gateway import deliver_due_notifications, deliver_notification
from jishi.payments.service import NewPayment, reconcile_pending
from tests.conftest import Account
from tests.payments.conftest import PaidListener
from tests.payments.helpers import (
    NOTIFY,
    confirm,
    count_rows,
    current,
    events,
    gateway_notification,
    new_payment,
    notification_log,
    pay_despite_close,
    payment_trades,
    redeliver,
    refunds,
    start_paying,
    trade,
)


async def test_a_trade_paid_as_a_cancel_closed_it_pays_the_payment(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    assert await service.prepare_cancel(app_ctx, payment.id) is True  # closed: a new number
    assert (await current(app_ctx, payment.id)).trade_no != payment.trade_no
    await pay_despite_close(app_ctx, old)

    assert await deliver_due_notifications(app_ctx) == 1

    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.trade_no, paid.channel, paid.gateway_trade_no) == (
        "paid",
        payment.trade_no,  # refunds go back through the trade that holds the money
        "sandbox",
        old,
    )
    assert listener.paid == [payment.id]
    assert await events(app_ctx, "payment.paid") == 1
    assert await notification_log(app_ctx) == [(payment.trade_no, "applied")]
    assert (await trade(app_ctx, old)).next_notify_at is None  # the gateway heard "success"
    kept = (await payment_trades(app_ctx, payment.id))[payment.trade_no]
    assert (kept.amount_fen, kept.closed_at, kept.resolved_at) == (
        12345,
        app_ctx.clock.now(),
        app_ctx.clock.now(),
    )

    refund = await service.refund_payment(app_ctx, payment.id, 345, "退货退款")
    assert (refund.status, refund.trade_no) == ("succeeded", payment.trade_no)
    assert (await trade(app_ctx, old)).refunded_fen == 345


async def test_a_trade_paid_after_the_buyer_switched_channel_pays_and_the_new_one_is_closed(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
    second_channel: str,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    new = await start_paying(client, buyer, payment.id, channel=second_channel)
    assert (await trade(app_ctx, old)).status == "closed"
    await pay_despite_close(app_ctx, old)

    assert await deliver_due_notifications(app_ctx) == 1

    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.trade_no, paid.channel) == ("paid", payment.trade_no, "sandbox")
    assert (await trade(app_ctx, new)).status == "closed"  # so the buyer cannot pay twice
    refused = await confirm(client, new)
    assert refused.status_code == 409
    trades = await payment_trades(app_ctx, payment.id)
    assert sorted((t.channel, t.closed_at is not None) for t in trades.values()) == [
        ("alipay", True),
        ("sandbox", True),
    ]
    assert listener.paid == [payment.id]


@pytest.mark.parametrize("old_first", [True, False], ids=["old-trade-first", "new-trade-first"])
async def test_paying_both_trades_applies_one_and_refunds_the_other_once(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
    second_channel: str,
    old_first: bool,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    new = await start_paying(client, buyer, payment.id, channel=second_channel)
    await pay_despite_close(app_ctx, old)
    assert (await confirm(client, new)).status_code == 200
    first, second = (old, new) if old_first else (new, old)
    first_no, second_no = (
        (await trade(app_ctx, first)).out_trade_no,
        (await trade(app_ctx, second)).out_trade_no,
    )

    assert await deliver_notification(app_ctx, first)
    assert await deliver_notification(app_ctx, second)
    for _ in range(3):  # the gateway sends the refunded trade's news again
        await redeliver(app_ctx, second)

    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.trade_no, paid.refunded_fen) == ("paid", first_no, 0)
    assert listener.paid == [payment.id]
    assert await events(app_ctx, "payment.paid") == 1
    assert await events(app_ctx, "payment.refunded") == 0
    [refund] = await refunds(app_ctx, payment.id)
    assert (refund.trade_no, refund.amount_fen, refund.reason, refund.status) == (
        second_no,
        12345,
        "重复支付",
        "succeeded",
    )
    assert ((await trade(app_ctx, first)).refunded_fen, (await trade(app_ctx, second)).refunded_fen) == (
        0,
        12345,
    )
    assert await count_rows(app_ctx, SandboxRefund) == 1
    assert (await trade(app_ctx, second)).next_notify_at is None
    assert await notification_log(app_ctx) == sorted(
        [(first_no, "applied"), (second_no, "refunded:duplicate_payment")] + [(second_no, "duplicate")] * 3
    )
    trades = await payment_trades(app_ctx, payment.id)
    assert trades[second_no].refund_id == refund.id
    assert all(t.resolved_at is not None for t in trades.values())


async def test_simultaneous_deliveries_of_a_duplicate_trade_refund_it_once(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
    second_channel: str,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    new = await start_paying(client, buyer, payment.id, channel=second_channel)
    await confirm(client, new)
    assert await deliver_notification(app_ctx, new)
    await pay_despite_close(app_ctx, old, notify=False)
    body, headers = gateway_notification(app_ctx, await trade(app_ctx, old))

    replies = await asyncio.gather(*(client.post(NOTIFY, content=body, headers=headers) for _ in range(5)))

    assert [(r.status_code, r.text) for r in replies] == [(200, "success")] * 5
    [refund] = await refunds(app_ctx, payment.id)
    assert (refund.amount_fen, refund.status) == (12345, "succeeded")
    assert (await trade(app_ctx, old)).refunded_fen == 12345
    assert await count_rows(app_ctx, SandboxRefund) == 1
    outcomes = [
        outcome for trade_no, outcome in await notification_log(app_ctx) if trade_no == payment.trade_no
    ]
    assert len(outcomes) == 5
    assert set(outcomes) <= {"refunded:duplicate_payment", "duplicate"}
    assert "refunded:duplicate_payment" in outcomes
    assert listener.paid == [payment.id]


class _LoseRefundAnswers(httpx.AsyncBaseTransport):
    """The gateway does the refund but its answer never arrives (``lose`` times)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lose: int) -> None:
        self.inner = inner
        self.lose = lose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/trade.refund") and self.lose > 0:
            self.lose -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


async def test_a_refund_whose_answer_was_lost_is_asked_again_with_the_same_number(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    clock: FrozenClock,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
    second_channel: str,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    new = await start_paying(client, buyer, payment.id, channel=second_channel)
    await confirm(client, new)
    assert await deliver_notification(app_ctx, new)
    await pay_despite_close(app_ctx, old)
    await app_ctx.outbound.aclose()
    app_ctx.outbound = httpx.AsyncClient(
        transport=_LoseRefundAnswers(httpx.ASGITransport(app=app_ctx.app), lose=1),  # type: ignore[attr-defined]
        base_url=app_ctx.settings.public_base_url,
    )

    assert await deliver_due_notifications(app_ctx) == 1  # answered "fail": the gateway will retry
    [pending] = await refunds(app_ctx, payment.id)
    assert pending.status == "pending"
    assert (await trade(app_ctx, old)).refunded_fen == 12345  # the gateway did refund
    clock.advance(timedelta(seconds=15))
    assert await deliver_due_notifications(app_ctx) == 1

    [refund] = await refunds(app_ctx, payment.id)
    assert (refund.refund_no, refund.status) == (pending.refund_no, "succeeded")
    assert (await trade(app_ctx, old)).refunded_fen == 12345  # once
    assert await count_rows(app_ctx, SandboxRefund) == 1
    assert [o for t, o in await notification_log(app_ctx) if t == payment.trade_no] == [
        "refund_pending",
        "refunded:duplicate_payment",
    ]
    assert (await trade(app_ctx, old)).next_notify_at is None


async def test_a_trade_opened_before_part_of_the_checkout_was_cancelled_is_refunded_in_full(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    old = await start_paying(client, buyer, payment.id)  # asks for 123.45
    assert await service.prepare_cancel(app_ctx, payment.id) is True
    rotated = (await current(app_ctx, payment.id)).trade_no
    async with app_ctx.database.uow() as uow:  # one shop's order is cancelled: 100.00 left to pay
        await service.reduce_amount(uow, payment.id, 2345, expected_trade_no=rotated)
        await uow.commit()
    await pay_despite_close(app_ctx, old)

    assert await deliver_due_notifications(app_ctx) == 1

    still = await current(app_ctx, payment.id)
    assert (still.status, still.amount_fen, still.trade_no) == ("pending", 10000, rotated)
    [refund] = await refunds(app_ctx, payment.id)
    assert (refund.amount_fen, refund.reason, refund.status) == (12345, "支付金额已变更", "succeeded")
    assert (await trade(app_ctx, old)).refunded_fen == 12345
    assert await notification_log(app_ctx) == [(payment.trade_no, "refunded:amount_changed")]
    assert listener.paid == []

    # The buyer pays what is owed now, through a new trade.
    await confirm(client, await start_paying(client, buyer, payment.id))
    assert await deliver_due_notifications(app_ctx) == 1
    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.amount_fen, paid.trade_no) == ("paid", 10000, rotated)
    assert listener.paid == [payment.id]


async def test_a_trade_paid_after_its_payment_was_closed_is_refunded(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    assert await service.prepare_cancel(app_ctx, payment.id) is True
    async with app_ctx.database.uow() as uow:  # every order cancelled
        rotated = (await service.get_payment(uow, payment.id)).trade_no
        await service.reduce_amount(uow, payment.id, payment.amount_fen, expected_trade_no=rotated)
        await uow.commit()
    await pay_despite_close(app_ctx, old)

    assert await deliver_due_notifications(app_ctx) == 1

    assert (await current(app_ctx, payment.id)).status == "closed"
    [refund] = await refunds(app_ctx, payment.id)
    assert (refund.amount_fen, refund.reason, refund.status) == (12345, "支付已关闭", "succeeded")
    assert await notification_log(app_ctx) == [(payment.trade_no, "refunded:payment_closed")]
    assert listener.paid == []


async def test_the_reconcile_job_asks_once_about_each_closed_trade(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    clock: FrozenClock,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    old = await start_paying(client, buyer, payment.id)
    await service.prepare_cancel(app_ctx, payment.id)
    await pay_despite_close(app_ctx, old, notify=False)  # and its notification is lost
    unpaid = await new_payment(app_ctx, buyer.id)
    await start_paying(client, buyer, unpaid.id)
    await service.prepare_cancel(app_ctx, unpaid.id)

    assert await reconcile_pending(app_ctx) == 0  # closed less than a minute ago
    clock.advance(timedelta(seconds=61))
    assert await reconcile_pending(app_ctx) == 1

    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.trade_no) == ("paid", payment.trade_no)
    assert listener.paid == [payment.id]
    assert (await payment_trades(app_ctx, unpaid.id))[unpaid.trade_no].resolved_at == clock.now()
    clock.advance(timedelta(seconds=30))
    assert await reconcile_pending(app_ctx) == 0
    assert (await current(app_ctx, unpaid.id)).status == "pending"
