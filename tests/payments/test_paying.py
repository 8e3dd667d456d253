"""Paying through the sandbox: pay → hosted page → confirm → notification → paid, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.idempotency import KEY_LIFETIME
from jishi.payments import sandbox_gateway, service
from jishi.payments.models import SandboxTrade
from jishi.payments.sandbox_gateway import deliver_due_notifications
from jishi.payments.service import NewPayment
from tests.conftest import Account, login, register
from tests.payments.conftest import PaidListener
from tests.payments.helpers import (
    API,
    confirm,
    count_rows,
    current,
    events,
    new_payment,
    notification_outcomes,
    start_paying,
    trade,
)


async def test_pay_confirm_and_notify_marks_the_payment_paid_once(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    response = await client.post(
        f"{API}/payments/{payment.id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["channel"] == "sandbox"
    url = answer["action"]["url"]
    assert answer["action"]["type"] == "redirect"
    assert url.startswith(f"{app_ctx.settings.public_base_url}/sandbox-gateway/trades/")

    page = await client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "沙箱支付" in page.text and "¥123.45" in page.text and "华为 Mate 70" in page.text
    assert 'data-testid="sandbox-confirm"' in page.text
    assert f'href="{app_ctx.settings.public_base_url}/payments/{payment.id}/result"' in page.text

    gateway_trade_no = urlsplit(url).path.rsplit("/", 1)[1]
    confirmed = await confirm(client, gateway_trade_no)
    assert confirmed.status_code == 200
    assert confirmed.json() == {"trade_no": gateway_trade_no, "status": "paid"}
    assert (await current(app_ctx, payment.id)).status == "pending"  # only the notification pays

    assert await deliver_due_notifications(app_ctx) == 1
    paid = await current(app_ctx, payment.id)
    assert (paid.status, paid.channel, paid.gateway_trade_no) == ("paid", "sandbox", gateway_trade_no)
    assert paid.paid_at is not None
    assert listener.paid == [payment.id]
    assert await events(app_ctx, "payment.paid") == 1
    assert await notification_outcomes(app_ctx) == ["applied"]
    sent = await trade(app_ctx, gateway_trade_no)
    assert (sent.notify_attempts, sent.next_notify_at) == (1, None) and sent.notified_at is not None

    view = (await client.get(f"{API}/payments/{payment.id}", headers=buyer.headers)).json()
    assert {k: view[k] for k in ("id", "status", "amount_fen", "channel")} == {
        "id": payment.id,
        "status": "paid",
        "amount_fen": 12345,
        "channel": "sandbox",
    }
    # Confirming again changes nothing and sends nothing more.
    assert (await confirm(client, gateway_trade_no)).json()["status"] == "paid"
    assert await deliver_due_notifications(app_ctx) == 0
    assert listener.paid == [payment.id]
    paid_page = await client.get(urlsplit(url).path)
    assert "支付成功" in paid_page.text and "sandbox-confirm" not in paid_page.text


async def test_a_browser_confirming_goes_back_to_the_return_url(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    gateway_trade_no = await start_paying(client, buyer, payment.id, return_url="/orders?paid=1")
    response = await client.post(
        f"/sandbox-gateway/trades/{gateway_trade_no}/confirm",
        data={},
        headers={"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{app_ctx.settings.public_base_url}/orders?paid=1"


async def test_paying_again_reuses_the_open_gateway_trade(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    first = await start_paying(client, buyer, payment.id)
    again = await start_paying(client, buyer, payment.id)
    assert first == again
    assert await count_rows(app_ctx, SandboxTrade) == 1


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    url = f"{API}/payments/{payment.id}/pay"
    headers = {**buyer.headers, "Idempotency-Key": "pay-1"}
    first = await client.post(url, headers=headers, json={"channel": "sandbox"})
    replay = await client.post(url, headers=headers, json={"channel": "sandbox"})
    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()

    other = await client.post(url, headers=headers, json={"channel": "sandbox", "return_url": "/orders"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"

    twins = {**buyer.headers, "Idempotency-Key": "pay-2"}
    racing = await asyncio.gather(
        *(client.post(url, headers=twins, json={"channel": "sandbox"}) for _ in range(4))
    )
    assert {r.status_code for r in racing} == {200}
    assert len({r.text for r in racing}) == 1
    assert await count_rows(app_ctx, SandboxTrade) == 1


async def test_an_idempotency_key_answers_for_a_day_then_pay_does_the_work_again(
    client: httpx.AsyncClient, app_ctx: AppContext, clock: FrozenClock, buyer: Account
) -> None:
    payment = await new_payment(app_ctx, buyer.id, expires_in=timedelta(days=3))
    url = f"{API}/payments/{payment.id}/pay"
    headers = {**buyer.headers, "Idempotency-Key": "pay-1"}
    first = await client.post(url, headers=headers, json={"channel": "sandbox"})
    assert first.status_code == 200
    await service.prepare_cancel(app_ctx, payment.id)  # that trade is closed: paying now opens another

    clock.advance(KEY_LIFETIME)
    headers = {**(await login(client, buyer.email)).headers, "Idempotency-Key": "pay-1"}  # a day later
    replay = await client.post(url, headers=headers, json={"channel": "sandbox"})
    assert replay.json() == first.json()

    clock.advance(timedelta(seconds=1))
    again = await client.post(url, headers=headers, json={"channel": "sandbox", "return_url": "/orders"})
    assert again.status_code == 200
    assert again.json()["action"]["url"] != first.json()["action"]["url"]
    assert await count_rows(app_ctx, SandboxTrade) == 2
    later = await client.post(url, headers=headers, json={"channel": "sandbox", "return_url": "/orders"})
    assert later.json() == again.json()


async def test_another_buyers_payment_is_not_found_on_every_route(
    client: httpx.AsyncClient, buyer: Account, payment: NewPayment
) -> None:
    stranger = await register(client)
    for method, path, body in (
        ("GET", f"{API}/payments/{payment.id}", None),
        ("POST", f"{API}/payments/{payment.id}/pay", {"channel": "sandbox"}),
        ("POST", f"{API}/payments/{payment.id}/sync", None),
    ):
        response = await client.request(method, path, headers=stranger.headers, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401


async def test_channels_that_are_not_configured_or_do_not_exist(
    client: httpx.AsyncClient, buyer: Account, payment: NewPayment
) -> None:
    url = f"{API}/payments/{payment.id}/pay"
    for channel in ("alipay", "wechat", "unionpay"):
        response = await client.post(url, headers=buyer.headers, json={"channel": channel})
        assert response.status_code == 409
        assert response.json()["code"] == "channel_unavailable"
        assert "支付方式" in response.json()["detail"]
    english = await client.post(
        url, headers={**buyer.headers, "Accept-Language": "en"}, json={"channel": "alipay"}
    )
    assert "not available" in english.json()["detail"]

    unknown = await client.post(url, headers=buyer.headers, json={"channel": "paypal"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["channel"]


async def test_only_same_origin_return_urls_are_accepted(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    url = f"{API}/payments/{payment.id}/pay"
    base = app_ctx.settings.public_base_url
    for bad in ("https://evil.example/phish", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = await client.post(
            url, headers=buyer.headers, json={"channel": "sandbox", "return_url": bad}
        )
        assert response.status_code == 422, bad
        assert [e["field"] for e in response.json()["errors"]] == ["return_url"]
    gateway_trade_no = await start_paying(client, buyer, payment.id, return_url=f"{base}/orders/x")
    assert (await trade(app_ctx, gateway_trade_no)).return_url == f"{base}/orders/x"


async def test_a_paid_closed_or_expired_payment_cannot_be_paid(
    client: httpx.AsyncClient, app_ctx: AppContext, clock: FrozenClock, buyer: Account, listener: PaidListener
) -> None:
    paid = await new_payment(app_ctx, buyer.id)
    await confirm(client, await start_paying(client, buyer, paid.id))
    await deliver_due_notifications(app_ctx)
    expiring = await new_payment(app_ctx, buyer.id, expires_in=timedelta(minutes=5))
    clock.advance(timedelta(minutes=6))
    for payment_id, code in ((paid.id, "payment_already_paid"), (expiring.id, "payment_expired")):
        response = await client.post(
            f"{API}/payments/{payment_id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
        )
        assert response.status_code == 409
        assert response.json()["code"] == code


async def test_where_jobs_run_the_first_notification_is_sent_right_after_confirming(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_ctx.settings, "run_jobs_in_process", True)
    await confirm(client, await start_paying(client, buyer, payment.id))
    await asyncio.gather(*list(sandbox_gateway._deliveries))  # the attempt started after the commit

    assert (await current(app_ctx, payment.id)).status == "paid"
    assert listener.paid == [payment.id]
    assert await deliver_due_notifications(app_ctx) == 0
