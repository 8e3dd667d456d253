"""The order lifecycle: pay, ship, confirm, cancel, deadlines, timeline, the shop's view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from jishi.catalog.models import Sku
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.inventory.service import check
from jishi.orders import service
from jishi.payments import service as payment_service
from tests.catalog.helpers import API
from tests.conftest import Account, QueryCounter, login
from tests.shopping import Market, build_market, new_buyer, pay_in_sandbox, place_order


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


async def _stock(ctx: AppContext, sku_id: str) -> tuple[int, int]:
    async with ctx.database.uow() as uow:
        sku = await uow.session.get(Sku, sku_id)
        assert sku is not None
        return sku.stock, sku.reserved


async def _order(client: httpx.AsyncClient, who: Account, order_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/orders/{order_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _two_shop_order(client: httpx.AsyncClient, market: Market) -> tuple[Account, dict[str, Any]]:
    buyer, address = await new_buyer(client)
    placed = await place_order(client, buyer, address, [(market.a.sku_ids[0], 2), (market.b.sku_ids[0], 1)])
    assert placed.status_code == 201, placed.text
    return buyer, placed.json()


async def test_pay_ship_confirm(client: httpx.AsyncClient, market: Market, app_ctx: AppContext) -> None:
    buyer, placed = await _two_shop_order(client, market)
    order_a = next(o for o in placed["orders"] if o["shop_id"] == market.a.shop_id)
    early = await client.post(
        f"{API}/shops/{market.a.shop_id}/orders/{order_a['id']}/ship",
        headers=market.a.owner.headers,
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
    )
    assert early.status_code == 409 and early.json()["code"] == "order_state_conflict"

    await pay_in_sandbox(client, app_ctx, buyer, placed["payment"]["id"])
    for placed_order in placed["orders"]:
        assert (await _order(client, buyer, placed_order["id"]))["status"] == "paid"
    assert await _stock(app_ctx, market.a.sku_ids[0]) == (10, 2)  # paid: still reserved

    cancel_paid = await client.post(f"{API}/orders/{order_a['id']}/cancel", headers=buyer.headers)
    assert cancel_paid.status_code == 409 and cancel_paid.json()["order_status"] == "paid"

    shipped = await client.post(
        f"{API}/shops/{market.a.shop_id}/orders/{order_a['id']}/ship",
        headers=market.a.owner.headers,
        json={"carrier_code": "SF", "tracking_no": "sf1234567890"},
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert await _stock(app_ctx, market.a.sku_ids[0]) == (8, 0)  # left the warehouse
    unknown_carrier = await client.post(
        f"{API}/shops/{market.b.shop_id}/orders/{placed['orders'][1]['id']}/ship",
        headers=market.b.owner.headers,
        json={"carrier_code": "PIGEON", "tracking_no": "123456"},
    )
    assert (
        unknown_carrier.status_code == 422 and unknown_carrier.json()["errors"][0]["field"] == "carrier_code"
    )

    confirmed = await client.post(f"{API}/orders/{order_a['id']}/confirm-receipt", headers=buyer.headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"
    detail = await _order(client, buyer, order_a["id"])
    assert detail["carrier_name"] == "顺丰速运" and detail["tracking_no"] == "SF1234567890"
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in detail["timeline"]] == [
        (None, "pending_payment", "buyer"),
        ("pending_payment", "paid", "payment"),
        ("paid", "shipped", "merchant"),
        ("shipped", "completed", "buyer"),
    ]
    again = await client.post(f"{API}/orders/{order_a['id']}/confirm-receipt", headers=buyer.headers)
    assert again.status_code == 409
    async with app_ctx.database.uow() as uow:
        assert await check(uow) == []


async def test_cancel_releases_stock_and_shrinks_the_payment(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, placed = await _two_shop_order(client, market)
    order_a, order_b = sorted(placed["orders"], key=lambda o: o["shop_id"] != market.a.shop_id)
    stranger, _ = await new_buyer(client)
    assert (
        await client.post(f"{API}/orders/{order_a['id']}/cancel", headers=stranger.headers)
    ).status_code == 404

    cancelled = await client.post(
        f"{API}/orders/{order_a['id']}/cancel", headers=buyer.headers, json={"reason": "不想要了"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await _stock(app_ctx, market.a.sku_ids[0]) == (10, 0)
    payment = (await client.get(f"{API}/payments/{placed['payment']['id']}", headers=buyer.headers)).json()
    assert payment["amount_fen"] == order_b["total_fen"] and payment["status"] == "pending"
    twice = await client.post(f"{API}/orders/{order_a['id']}/cancel", headers=buyer.headers)
    assert twice.status_code == 409

    await client.post(f"{API}/orders/{order_b['id']}/cancel", headers=buyer.headers)
    payment = (await client.get(f"{API}/payments/{placed['payment']['id']}", headers=buyer.headers)).json()
    assert payment["status"] == "closed"
    detail = await _order(client, buyer, order_a["id"])
    assert detail["cancel_reason"] == "不想要了" and detail["timeline"][-1]["actor"] == "buyer"


async def test_unpaid_orders_are_cancelled_after_the_timeout(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, clock: FrozenClock
) -> None:
    buyer, placed = await _two_shop_order(client, market)
    clock.advance(timedelta(minutes=29))
    assert await service.cancel_overdue(app_ctx) == 0
    clock.advance(timedelta(minutes=2))
    assert await service.cancel_overdue(app_ctx) == 2
    for placed_order in placed["orders"]:
        detail = await _order(client, buyer, placed_order["id"])
        assert detail["status"] == "cancelled" and detail["timeline"][-1]["actor"] == "system"
        assert detail["cancel_reason"] == detail["timeline"][-1]["reason"] == "超时未付款，系统自动取消"
        # The system's reason is a code, shown in the reader's language.
        english = await client.get(
            f"{API}/orders/{placed_order['id']}", headers={**buyer.headers, "Accept-Language": "en"}
        )
        assert english.json()["cancel_reason"] == "Not paid in time; cancelled automatically"
    assert await _stock(app_ctx, market.a.sku_ids[0]) == (10, 0)
    unpaid = await client.get(f"{API}/orders", headers=buyer.headers, params={"status": "pending_payment"})
    assert unpaid.json()["items"] == []  # gone from the 待付款 tab
    pay = await client.post(
        f"{API}/payments/{placed['payment']['id']}/pay", headers=buyer.headers, json={"channel": "sandbox"}
    )
    assert pay.status_code == 409
    assert await service.cancel_overdue(app_ctx) == 0


async def test_an_order_whose_gateway_fails_does_not_hold_up_the_overdue_sweep(
    client: httpx.AsyncClient,
    market: Market,
    app_ctx: AppContext,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buyer, stuck = await _two_shop_order(client, market)
    await _two_shop_order(client, market)
    prepare_cancel = payment_service.prepare_cancel

    async def gateway_down_for_the_first(ctx: AppContext, payment_id: str) -> bool:
        if payment_id == stuck["payment"]["id"]:
            raise AppError("payment_gateway_unavailable")
        return await prepare_cancel(ctx, payment_id)

    monkeypatch.setattr(payment_service, "prepare_cancel", gateway_down_for_the_first)
    clock.advance(timedelta(minutes=31))
    assert await service.cancel_overdue(app_ctx) == 2  # the other checkout's two orders
    assert (await _order(client, buyer, stuck["orders"][0]["id"]))["status"] == "pending_payment"
    monkeypatch.setattr(payment_service, "prepare_cancel", prepare_cancel)
    assert await service.cancel_overdue(app_ctx) == 2  # the next sweep takes the one left behind


async def test_shipped_orders_complete_by_themselves(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, clock: FrozenClock
) -> None:
    buyer, placed = await _two_shop_order(client, market)
    await pay_in_sandbox(client, app_ctx, buyer, placed["payment"]["id"])
    order_a = next(o for o in placed["orders"] if o["shop_id"] == market.a.shop_id)
    await client.post(
        f"{API}/shops/{market.a.shop_id}/orders/{order_a['id']}/ship",
        headers=market.a.owner.headers,
        json={"carrier_code": "ZTO", "tracking_no": "75312345678"},
    )
    clock.advance(timedelta(days=9))
    assert await service.complete_overdue(app_ctx) == 0
    clock.advance(timedelta(days=1, seconds=1))
    assert await service.complete_overdue(app_ctx) == 1
    buyer = await login(client, buyer.email)  # ten days on, the old access token has expired
    assert (await _order(client, buyer, order_a["id"]))["status"] == "completed"


async def test_the_merchant_marks_a_shipped_order_delivered(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, placed = await _two_shop_order(client, market)
    order_a = next(o for o in placed["orders"] if o["shop_id"] == market.a.shop_id)
    deliver = f"{API}/shops/{market.a.shop_id}/orders/{order_a['id']}/mark-delivered"
    unpaid = await client.post(deliver, headers=market.a.owner.headers)
    assert unpaid.status_code == 409 and unpaid.json()["order_status"] == "pending_payment"
    await pay_in_sandbox(client, app_ctx, buyer, placed["payment"]["id"])
    await client.post(
        f"{API}/shops/{market.a.shop_id}/orders/{order_a['id']}/ship",
        headers=market.a.owner.headers,
        json={"carrier_code": "YTO", "tracking_no": "YT7000000001"},
    )
    other_shop = await client.post(
        f"{API}/shops/{market.b.shop_id}/orders/{order_a['id']}/mark-delivered",
        headers=market.b.owner.headers,
    )
    assert other_shop.status_code == 404

    delivered = await client.post(deliver, headers=market.a.owner.headers)
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    twice = await client.post(deliver, headers=market.a.owner.headers)
    assert twice.status_code == 409 and twice.json()["order_status"] == "delivered"
    detail = await _order(client, buyer, order_a["id"])
    assert detail["status"] == "delivered" and detail["delivered_at"] is not None
    assert detail["timeline"][-1]["from_status"] == "shipped"

    confirmed = await client.post(f"{API}/orders/{order_a['id']}/confirm-receipt", headers=buyer.headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"


async def test_the_shop_sees_its_orders_by_status(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, placed = await _two_shop_order(client, market)
    await _two_shop_order(client, market)
    await pay_in_sandbox(client, app_ctx, buyer, placed["payment"]["id"])
    owner, shop = market.a.owner, market.a.shop_id
    counts = (await client.get(f"{API}/shops/{shop}/orders/counts", headers=owner.headers)).json()["counts"]
    assert counts["paid"] == 1 and counts["pending_payment"] == 1 and counts["cancelled"] == 0
    to_ship = (
        await client.get(f"{API}/shops/{shop}/orders", headers=owner.headers, params={"status": "paid"})
    ).json()
    assert [o["status"] for o in to_ship["items"]] == ["paid"]
    order_id = to_ship["items"][0]["id"]
    detail = (await client.get(f"{API}/shops/{shop}/orders/{order_id}", headers=owner.headers)).json()
    assert detail["address"]["phone"] == "138****8000" and detail["lines"][0]["quantity"] == 2
    other_shop = await client.get(
        f"{API}/shops/{market.b.shop_id}/orders/{order_id}", headers=market.b.owner.headers
    )
    assert other_shop.status_code == 404

    buyer_counts = (await client.get(f"{API}/orders/counts", headers=buyer.headers)).json()["counts"]
    assert buyer_counts["paid"] == 2
    bad_status = await client.get(f"{API}/orders", headers=buyer.headers, params={"status": "lost"})
    assert bad_status.status_code == 422


async def test_order_lists_cost_the_same_queries_for_any_page_size(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, address = await new_buyer(client)
    await place_order(client, buyer, address, [(market.a.sku_ids[0], 1)])
    with QueryCounter(app_ctx) as one:
        await client.get(f"{API}/orders", headers=buyer.headers)
    for _ in range(4):
        await place_order(client, buyer, address, [(market.a.sku_ids[0], 1), (market.b.sku_ids[0], 1)])
    with QueryCounter(app_ctx) as many:
        listed = await client.get(f"{API}/orders", headers=buyer.headers)
    assert len(listed.json()["items"]) == 9
    assert many.count == one.count
    with QueryCounter(app_ctx) as shop_one:
        await client.get(
            f"{API}/shops/{market.b.shop_id}/orders", headers=market.b.owner.headers, params={"limit": 1}
        )
    with QueryCounter(app_ctx) as shop_many:
        await client.get(f"{API}/shops/{market.b.shop_id}/orders", headers=market.b.owner.headers)
    assert shop_many.count == shop_one.count
