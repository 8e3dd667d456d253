"""The sandbox gateway stands outside the app: signed API, refusals, and absent in production mode."""

from __future__ import annotations

import json

import httpx
import pytest

from jishi.app import create_app
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.payments.errors import GatewayUnavailable
from jishi.payments.providers import provider_for
from jishi.payments.providers.sandbox import request_signature
from jishi.payments.sandbox_protocol import SIGNATURE_HEADER, TIMESTAMP_HEADER, merchant_key
from jishi.payments.service import NewPayment
from jishi.settings import Settings
from tests.conftest import Account, register
from tests.payments.helpers import API, confirm, new_payment, start_paying, trade

QUERY = "/sandbox-gateway/api/trade.query"


def _signed_headers(
    ctx: AppContext, body: bytes, *, key: bytes | None = None, skew: int = 0
) -> dict[str, str]:
    timestamp = str(int(ctx.clock.now().timestamp()) + skew)
    signature = request_signature(key or merchant_key(ctx.keyring), timestamp, QUERY, body)
    return {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}


async def test_the_merchant_api_refuses_bad_signatures(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    await start_paying(client, buyer, payment.id)
    body = json.dumps({"out_trade_no": payment.trade_no}).encode()

    good = await client.post(QUERY, content=body, headers=_signed_headers(app_ctx, body))
    assert good.status_code == 200 and good.json()["status"] == "waiting"
    for headers in (
        _signed_headers(app_ctx, body, key=b"k" * 32),
        _signed_headers(app_ctx, body, skew=-3600),
        {"Content-Type": "application/json"},
    ):
        refused = await client.post(QUERY, content=body, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid_signature"

    tampered = await client.post(QUERY, content=body + b" ", headers=_signed_headers(app_ctx, body))
    assert tampered.status_code == 401


async def test_answers_not_signed_by_the_gateway_are_not_trusted(
    app_ctx: AppContext, payment: NewPayment
) -> None:
    async def impostor(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"trade_no": "1", "out_trade_no": payment.trade_no, "status": "paid"})

    await app_ctx.outbound.aclose()
    app_ctx.outbound = httpx.AsyncClient(transport=httpx.MockTransport(impostor))
    provider = provider_for(app_ctx, "sandbox")
    with pytest.raises(GatewayUnavailable):
        await provider.query(payment.trade_no)


async def test_an_unreachable_gateway_is_a_503(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    await app_ctx.outbound.aclose()
    app_ctx.outbound = httpx.AsyncClient(transport=httpx.MockTransport(down))
    response = await client.post(
        f"{API}/payments/{payment.id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "payment_gateway_unavailable"


async def test_a_refund_number_refunds_once(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    gateway_trade_no = await start_paying(client, buyer, payment.id)
    await confirm(client, gateway_trade_no)
    provider = provider_for(app_ctx, "sandbox")

    first = await provider.refund(payment.trade_no, "R-1", 100, "退款")
    again = await provider.refund(payment.trade_no, "R-1", 100, "退款")  # the answer was lost: asked again

    assert first.status == again.status == "succeeded"
    assert (await trade(app_ctx, gateway_trade_no)).refunded_fen == 100
    other = await provider.refund(payment.trade_no, "R-1", 200, "退款")
    assert (other.status, other.reason) == ("failed", "refund_no_reused")
    assert (await provider.refund(payment.trade_no, "R-2", 200, "退款")).status == "succeeded"
    assert (await trade(app_ctx, gateway_trade_no)).refunded_fen == 300


async def test_unknown_trades_on_the_hosted_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/sandbox-gateway/trades/20990101000000000000")
    assert page.status_code == 404 and "交易不存在" in page.text
    confirm = await client.post("/sandbox-gateway/trades/20990101000000000000/confirm")
    assert confirm.status_code == 404 and confirm.json()["code"] == "trade_not_found"


async def test_without_the_sandbox_there_is_no_gateway_and_no_channel(
    settings: Settings, clock: FrozenClock, app_ctx: AppContext
) -> None:
    # app_ctx: the test database is emptied; this app shares it.
    app = create_app(settings.model_copy(update={"payments_sandbox": False}), clock=clock)
    ctx: AppContext = app.state.ctx
    try:
        assert not [r for r in app.routes if getattr(r, "path", "").startswith("/sandbox-gateway")]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            buyer = await register(c)
            payment = await new_payment(ctx, buyer.id)
            response = await c.post(
                f"{API}/payments/{payment.id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
            )
            assert response.status_code == 409 and response.json()["code"] == "channel_unavailable"
            notify = await c.post(f"{API}/payments/notify/sandbox", content=b"{}")
            assert notify.status_code == 409
        with pytest.raises(AppError):
            provider_for(ctx, "sandbox")
    finally:
        await ctx.close()
