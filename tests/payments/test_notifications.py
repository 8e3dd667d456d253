"""Notifications: verified, applied once under concurrency, rejected when forged, retried until
``success``; and the query fallback when they are lost."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
from sqlalchemy import select

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.payments.models import PaymentNotification
from jishi.payments.providers.sandbox import request_signature
from jishi.payments.sandbox_gateway import (
    MAX_NOTIFY_ATTEMPTS,
    NOTIFY_RETRY_DELAYS,
    deliver_due_notifications,
    sign_notification,
)
from jishi.payments.sandbox_protocol import SIGNATURE_HEADER, TIMESTAMP_HEADER, merchant_key
from jishi.payments.service import NewPayment, reconcile_pending
from tests.conftest import Account
from tests.payments.conftest import PaidListener
from tests.payments.helpers import (
    API,
    NOTIFY,
    confirm,
    current,
    events,
    new_payment,
    notification,
    notification_outcomes,
    start_paying,
    trade,
)


async def _paid_at_gateway(client: httpx.AsyncClient, buyer: Account, payment: NewPayment) -> str:
    gateway_trade_no = await start_paying(client, buyer, payment.id)
    assert (await confirm(client, gateway_trade_no)).status_code == 200
    return gateway_trade_no


async def test_five_concurrent_deliveries_pay_once(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await _paid_at_gateway(client, buyer, payment)
    body, headers = notification(app_ctx, payment, gateway_trade_no)

    replies = await asyncio.gather(*(client.post(NOTIFY, content=body, headers=headers) for _ in range(5)))

    assert [(r.status_code, r.text) for r in replies] == [(200, "success")] * 5
    assert listener.paid == [payment.id]
    assert await events(app_ctx, "payment.paid") == 1
    assert await notification_outcomes(app_ctx) == ["applied"] + ["duplicate"] * 4
    assert (await current(app_ctx, payment.id)).status == "paid"


async def test_forged_wrong_amount_and_unknown_trade_are_rejected(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await _paid_at_gateway(client, buyer, payment)
    body, headers = notification(app_ctx, payment, gateway_trade_no)
    unknown_trade = json.loads(body) | {"out_trade_no": "20991231000000" + "9" * 14}
    cases = [
        # the same meaning with one more space: the signature no longer matches
        ("rejected:bad_signature", body.replace(b'"paid_at"', b'"paid_at" '), headers),
        ("rejected:bad_signature", body, {"Content-Type": "application/json"}),
        ("rejected:amount_mismatch", *notification(app_ctx, payment, gateway_trade_no, amount_fen=1)),
        ("rejected:unknown_trade", *_signed(app_ctx, unknown_trade)),
        ("rejected:malformed", *_signed(app_ctx, {"out_trade_no": payment.trade_no, "status": "paid"})),
    ]
    for expected, content, sent_headers in cases:
        reply = await client.post(NOTIFY, content=content, headers=sent_headers)
        assert (reply.status_code, reply.text) == (400, "fail"), expected

    assert (await current(app_ctx, payment.id)).status == "pending"
    assert listener.paid == []
    assert await events(app_ctx, "payment.paid") == 0
    async with app_ctx.database.uow() as uow:
        rows = list(await uow.session.scalars(select(PaymentNotification)))
    assert sorted((r.outcome, r.verified) for r in rows) == sorted(
        (expected, expected.endswith(("mismatch", "unknown_trade"))) for expected, _, _ in cases
    )


async def test_a_signed_gateway_answer_is_no_notification(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    """The gateway signs its API answers and its notifications with different keys, so an
    answer (here: "this trade is paid") replayed to the notification route is not believed."""
    await _paid_at_gateway(client, buyer, payment)
    path = "/sandbox-gateway/api/trade.query"
    body = json.dumps({"out_trade_no": payment.trade_no}).encode()
    timestamp = str(int(app_ctx.clock.now().timestamp()))
    signature = request_signature(merchant_key(app_ctx.keyring), timestamp, path, body)
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}
    answer = await client.post(path, content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    replayed = {"Content-Type": "application/json", SIGNATURE_HEADER: answer.headers[SIGNATURE_HEADER]}

    reply = await client.post(NOTIFY, content=answer.content, headers=replayed)

    assert (reply.status_code, reply.text) == (400, "fail")
    assert await notification_outcomes(app_ctx) == ["rejected:bad_signature"]
    assert (await current(app_ctx, payment.id)).status == "pending"
    assert listener.paid == []


def _signed(ctx: AppContext, data: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(data).encode()
    signature = sign_notification(ctx.keyring, body)
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


async def test_a_lost_notification_is_found_by_sync(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await _paid_at_gateway(client, buyer, payment)

    synced = await client.post(f"{API}/payments/{payment.id}/sync", headers=buyer.headers)
    assert synced.status_code == 200
    assert synced.json()["status"] == "paid"
    assert listener.paid == [payment.id]

    # The notification arrives late: a duplicate, acknowledged so the gateway stops.
    assert await deliver_due_notifications(app_ctx) == 1
    assert await notification_outcomes(app_ctx) == ["duplicate"]
    assert (await trade(app_ctx, gateway_trade_no)).next_notify_at is None
    assert listener.paid == [payment.id]


async def test_sync_of_an_unpaid_payment_changes_nothing(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    before = (await client.post(f"{API}/payments/{payment.id}/sync", headers=buyer.headers)).json()
    await start_paying(client, buyer, payment.id)
    after = (await client.post(f"{API}/payments/{payment.id}/sync", headers=buyer.headers)).json()
    assert before["status"] == after["status"] == "pending"
    assert listener.paid == []


async def test_the_reconcile_job_finds_trades_paid_a_while_ago(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    clock: FrozenClock,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    await _paid_at_gateway(client, buyer, payment)
    waiting = await new_payment(app_ctx, buyer.id)
    await start_paying(client, buyer, waiting.id)

    assert await reconcile_pending(app_ctx) == 0  # trades younger than a minute are left alone
    clock.advance(timedelta(seconds=61))
    assert await reconcile_pending(app_ctx) == 1
    assert listener.paid == [payment.id]
    assert (await current(app_ctx, waiting.id)).status == "pending"


async def test_deliveries_back_off_until_the_merchant_answers_success(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    clock: FrozenClock,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await _paid_at_gateway(client, buyer, payment)
    listener.failures = 3  # the app fails to apply the first three notifications

    for attempt, delay in enumerate(NOTIFY_RETRY_DELAYS[:3], start=1):
        assert await deliver_due_notifications(app_ctx) == 1
        state = await trade(app_ctx, gateway_trade_no)
        assert (state.notify_attempts, state.next_notify_at) == (attempt, clock.now() + delay)
        assert await deliver_due_notifications(app_ctx) == 0  # not due yet
        clock.advance(delay)

    assert await deliver_due_notifications(app_ctx) == 1
    state = await trade(app_ctx, gateway_trade_no)
    assert (state.notify_attempts, state.next_notify_at, state.notified_at) == (4, None, clock.now())
    assert listener.paid == [payment.id]
    assert await notification_outcomes(app_ctx) == ["applied", "error", "error", "error"]
    clock.advance(timedelta(days=1))
    assert await deliver_due_notifications(app_ctx) == 0


async def test_deliveries_stop_after_the_last_attempt(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    clock: FrozenClock,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await _paid_at_gateway(client, buyer, payment)
    listener.failures = MAX_NOTIFY_ATTEMPTS + 5

    for delay in (*NOTIFY_RETRY_DELAYS, timedelta(0)):
        assert await deliver_due_notifications(app_ctx) == 1
        clock.advance(delay)
    state = await trade(app_ctx, gateway_trade_no)
    assert (state.notify_attempts, state.next_notify_at, state.notified_at) == (
        MAX_NOTIFY_ATTEMPTS,
        None,
        None,
    )
    clock.advance(timedelta(days=7))
    assert await deliver_due_notifications(app_ctx) == 0
    assert (await current(app_ctx, payment.id)).status == "pending"
