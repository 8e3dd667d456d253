"""What the orders and after-sales packages call: prepare_cancel, reduce_amount, refund_payment."""

from __future__ import annotations

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.payments import service
from jishi.payments.sandbox_gateway import deliver_due_notifications
from jishi.payments.service import NewPayment
from tests.conftest import Account
from tests.payments.conftest import PaidListener
from tests.payments.helpers import API, confirm, current, events, new_payment, start_paying, trade


async def test_prepare_cancel_closes_the_open_trade(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await start_paying(client, buyer, payment.id)

    assert await service.prepare_cancel(app_ctx, payment.id) is True

    after = await current(app_ctx, payment.id)
    assert (after.status, after.channel) == ("pending", None)
    assert after.trade_no != payment.trade_no
    assert (await trade(app_ctx, gateway_trade_no)).status == "closed"
    refused = await confirm(client, gateway_trade_no)
    assert refused.status_code == 409
    assert refused.json()["code"] == "trade_closed"
    page = await client.get(f"/sandbox-gateway/trades/{gateway_trade_no}")
    assert "交易已关闭" in page.text and "sandbox-confirm" not in page.text
    assert await deliver_due_notifications(app_ctx) == 0
    assert listener.paid == []
    # Paying again opens a new trade under the new number.
    assert await start_paying(client, buyer, payment.id) != gateway_trade_no
    assert (await current(app_ctx, payment.id)).trade_no == after.trade_no


async def test_prepare_cancel_without_a_trade_changes_nothing(
    app_ctx: AppContext, payment: NewPayment
) -> None:
    assert await service.prepare_cancel(app_ctx, payment.id) is True
    assert (await current(app_ctx, payment.id)).trade_no == payment.trade_no


async def test_prepare_cancel_of_a_trade_paid_meanwhile_applies_the_payment(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    await confirm(client, await start_paying(client, buyer, payment.id))  # notification not yet sent

    assert await service.prepare_cancel(app_ctx, payment.id) is False

    assert (await current(app_ctx, payment.id)).status == "paid"
    assert listener.paid == [payment.id]
    assert await service.prepare_cancel(app_ctx, payment.id) is False
    await deliver_due_notifications(app_ctx)
    assert listener.paid == [payment.id]


async def test_reduce_amount_lowers_and_finally_closes(app_ctx: AppContext, payment: NewPayment) -> None:
    async with app_ctx.database.uow() as uow:
        reduced = await service.reduce_amount(uow, payment.id, 2345, expected_trade_no=payment.trade_no)
        await uow.commit()
    assert (reduced.status, reduced.amount_fen) == ("pending", 10000)

    async with app_ctx.database.uow() as uow:
        closed = await service.reduce_amount(uow, payment.id, 10000, expected_trade_no=payment.trade_no)
        await uow.commit()
    assert closed.status == "closed" and closed.closed_at == app_ctx.clock.now()
    assert await events(app_ctx, "payment.closed") == 1


async def test_reduce_amount_refuses_while_a_trade_is_open_or_the_number_changed(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    async def reduce(expected_trade_no: str) -> str:
        async with app_ctx.database.uow() as uow:
            with pytest.raises(AppError) as refused:
                await service.reduce_amount(uow, payment.id, 100, expected_trade_no=expected_trade_no)
        return refused.value.code

    assert await reduce("20000101000000" + "0" * 14) == "payment_in_progress"
    await start_paying(client, buyer, payment.id)
    assert await reduce(payment.trade_no) == "payment_in_progress"
    assert (await current(app_ctx, payment.id)).amount_fen == 12345


async def test_a_closed_payment_cannot_be_paid(
    client: httpx.AsyncClient, app_ctx: AppContext, buyer: Account, payment: NewPayment
) -> None:
    async with app_ctx.database.uow() as uow:
        await service.reduce_amount(uow, payment.id, payment.amount_fen, expected_trade_no=payment.trade_no)
        await uow.commit()
    response = await client.post(
        f"{API}/payments/{payment.id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "payment_closed"


async def test_refunds_through_the_gateway_up_to_what_was_paid(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    buyer: Account,
    payment: NewPayment,
    listener: PaidListener,
) -> None:
    gateway_trade_no = await start_paying(client, buyer, payment.id)
    await confirm(client, gateway_trade_no)
    await deliver_due_notifications(app_ctx)

    first = await service.refund_payment(app_ctx, payment.id, 2345, "退货退款", order_id="order-1")
    assert (first.status, first.amount_fen, first.order_id) == ("succeeded", 2345, "order-1")
    assert first.completed_at is not None
    assert (
        (await current(app_ctx, payment.id)).status,
        (await trade(app_ctx, gateway_trade_no)).refunded_fen,
    ) == (
        "paid",
        2345,
    )

    with pytest.raises(AppError) as too_much:
        await service.refund_payment(app_ctx, payment.id, 10001, "超额")
    assert too_much.value.code == "refund_exceeds_payment"
    assert "¥100.00" in too_much.value.detail("zh-CN")

    await service.refund_payment(app_ctx, payment.id, 10000, "余款退回")
    refunded = await current(app_ctx, payment.id)
    assert (refunded.status, refunded.refunded_fen) == ("refunded", 12345)
    assert (await trade(app_ctx, gateway_trade_no)).refunded_fen == 12345
    assert await events(app_ctx, "payment.refunded") == 2


async def test_an_unpaid_payment_cannot_be_refunded(app_ctx: AppContext, payment: NewPayment) -> None:
    with pytest.raises(AppError) as refused:
        await service.refund_payment(app_ctx, payment.id, 100, "未支付")
    assert refused.value.code == "invalid_state"


async def test_payments_are_created_with_unguessable_trade_numbers(
    app_ctx: AppContext, buyer: Account
) -> None:
    payments = [await new_payment(app_ctx, buyer.id) for _ in range(3)]
    numbers = [p.trade_no for p in payments]
    assert len(set(numbers)) == 3
    assert all(len(n) == 28 and n.isdigit() for n in numbers)
    with pytest.raises(ValueError):
        await new_payment(app_ctx, buyer.id, amount_fen=0)
