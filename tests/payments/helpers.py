"""Helpers of the payments tests: payments made through the service, the API and the gateway."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select, update

from jishi.core.context import AppContext
from jishi.core.db import Base
from jishi.core.events import OutboxMessage
from jishi.payments import service
from jishi.payments.models import Payment, PaymentNotification, PaymentRefund, PaymentTrade, SandboxTrade
from jishi.payments.sandbox_gateway import deliver_notification, sign_notification
from jishi.payments.sandbox_protocol import SIGNATURE_HEADER
from jishi.payments.service import NewPayment
from tests.conftest import Account

API = "/api/v1"
NOTIFY = f"{API}/payments/notify/sandbox"


async def new_payment(
    ctx: AppContext, buyer_id: str, amount_fen: int = 12345, expires_in: timedelta = timedelta(minutes=30)
) -> service.NewPayment:
    async with ctx.database.uow() as uow:
        payment = service.create_payment(
            uow,
            buyer_id=buyer_id,
            amount_fen=amount_fen,
            subject="集市订单：华为 Mate 70 手机 等 2 件",
            expires_at=ctx.clock.now() + expires_in,
        )
        await uow.commit()
    return payment


async def current(ctx: AppContext, payment_id: str) -> Payment:
    async with ctx.database.uow() as uow:
        return await service.get_payment(uow, payment_id)


async def start_paying(client: httpx.AsyncClient, buyer: Account, payment_id: str, **body: Any) -> str:
    """Pay through the sandbox; returns the gateway's trade number from the redirect."""
    response = await client.post(
        f"{API}/payments/{payment_id}/pay", headers=buyer.headers, json={"channel": "sandbox", **body}
    )
    assert response.status_code == 200, response.text
    action = response.json()["action"]
    assert action["type"] == "redirect"
    return urlsplit(str(action["url"])).path.rsplit("/", 1)[1]


async def confirm(client: httpx.AsyncClient, gateway_trade_no: str) -> httpx.Response:
    return await client.post(f"/sandbox-gateway/trades/{gateway_trade_no}/confirm")


async def trade(ctx: AppContext, gateway_trade_no: str) -> SandboxTrade:
    async with ctx.database.uow() as uow:
        found = await uow.session.get(SandboxTrade, gateway_trade_no)
    assert found is not None
    return found


def notification(
    ctx: AppContext, payment: NewPayment, gateway_trade_no: str, *, amount_fen: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A notification exactly as the sandbox gateway signs it."""
    body = json.dumps(
        {
            "notify_id": f"test-{gateway_trade_no}",
            "out_trade_no": payment.trade_no,
            "trade_no": gateway_trade_no,
            "amount_fen": payment.amount_fen if amount_fen is None else amount_fen,
            "status": "paid",
            "paid_at": ctx.clock.now().isoformat(),
        }
    ).encode()
    signature = sign_notification(ctx.keyring, body)
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


async def notification_outcomes(ctx: AppContext) -> list[str]:
    async with ctx.database.uow() as uow:
        rows = await uow.session.scalars(select(PaymentNotification.outcome).order_by(PaymentNotification.id))
        return sorted(rows)


async def count_rows(ctx: AppContext, model: type[Base]) -> int:
    """How many rows a table holds (the sandbox gateway's trades or refunds, say)."""
    async with ctx.database.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def events(ctx: AppContext, topic: str) -> int:
    async with ctx.database.uow() as uow:
        count = await uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == topic)
        )
    return int(count or 0)


async def pay_despite_close(ctx: AppContext, gateway_trade_no: str, *, notify: bool = True) -> None:
    """The gateway takes the buyer's money on a trade as its close takes effect (a pay and a
    close that crossed), and announces it like any paid trade unless ``notify`` is False."""
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        await uow.session.execute(
            update(SandboxTrade)
            .where(SandboxTrade.gateway_trade_no == gateway_trade_no)
            .values(status="paid", paid_at=now, next_notify_at=now if notify else None, notify_attempts=0)
        )
        await uow.commit()


async def redeliver(ctx: AppContext, gateway_trade_no: str) -> None:
    """The gateway sends a trade's notification again (it did not hear our answer)."""
    async with ctx.database.uow() as uow:
        await uow.session.execute(
            update(SandboxTrade)
            .where(SandboxTrade.gateway_trade_no == gateway_trade_no)
            .values(next_notify_at=ctx.clock.now())
        )
        await uow.commit()
    assert await deliver_notification(ctx, gateway_trade_no)


def gateway_notification(ctx: AppContext, paid: SandboxTrade) -> tuple[bytes, dict[str, str]]:
    """A paid trade's notification exactly as the sandbox gateway signs it."""
    assert paid.paid_at is not None
    body = json.dumps(
        {
            "notify_id": f"test-{paid.gateway_trade_no}",
            "out_trade_no": paid.out_trade_no,
            "trade_no": paid.gateway_trade_no,
            "amount_fen": paid.amount_fen,
            "status": "paid",
            "paid_at": paid.paid_at.isoformat(),
        }
    ).encode()
    signature = sign_notification(ctx.keyring, body)
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


async def refunds(ctx: AppContext, payment_id: str) -> list[PaymentRefund]:
    async with ctx.database.uow() as uow:
        rows = await uow.session.scalars(select(PaymentRefund).where(PaymentRefund.payment_id == payment_id))
        return list(rows)


async def payment_trades(ctx: AppContext, payment_id: str) -> dict[str, PaymentTrade]:
    async with ctx.database.uow() as uow:
        rows = await uow.session.scalars(select(PaymentTrade).where(PaymentTrade.payment_id == payment_id))
        return {row.trade_no: row for row in rows}


async def notification_log(ctx: AppContext) -> list[tuple[str | None, str]]:
    """Every notification kept, as (trade number, outcome), sorted (a frozen clock cannot order them)."""
    async with ctx.database.uow() as uow:
        rows = await uow.session.execute(select(PaymentNotification.trade_no, PaymentNotification.outcome))
        return sorted(((trade_no, outcome) for trade_no, outcome in rows), key=lambda r: (r[0] or "", r[1]))
