"""Checkout: preview, one order per shop and one payment, idempotency, bad input."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from jishi.catalog.models import Product, Sku
from jishi.core.context import AppContext
from jishi.inventory.events import AvailabilityChanged
from jishi.inventory.models import StockReservation
from jishi.inventory.service import check
from jishi.orders.models import Order
from jishi.orders.schemas import CheckoutIn
from tests.catalog.helpers import API, phone_category
from tests.conftest import Account, register
from tests.payments.helpers import events
from tests.shopping import Market, add_address, build_market, list_product, new_buyer, place_order


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


async def _sku(ctx: AppContext, sku_id: str) -> Sku:
    async with ctx.database.uow() as uow:
        sku = await uow.session.get(Sku, sku_id)
        assert sku is not None
        return sku


async def _order_count(ctx: AppContext) -> int:
    async with ctx.database.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Order)) or 0)


async def test_one_order_per_shop_and_one_payment(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    await client.patch(
        f"{API}/shops/{market.b.shop_id}", headers=market.b.owner.headers, json={"shipping_fee_fen": 1200}
    )
    buyer, address = await new_buyer(client)
    items = [(market.a.sku_ids[0], 2), (market.b.sku_ids[0], 1), (market.a.sku_ids[1], 1)]
    placed = await place_order(client, buyer, address, items)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    by_shop = {o["shop_id"]: o for o in body["orders"]}
    assert set(by_shop) == {market.a.shop_id, market.b.shop_id}
    assert by_shop[market.a.shop_id]["total_fen"] == 549900 * 2 + 599900
    assert by_shop[market.b.shop_id]["total_fen"] == 399900 + 1200
    assert all(o["status"] == "pending_payment" for o in body["orders"])
    assert body["payment"]["amount_fen"] == sum(o["total_fen"] for o in body["orders"])
    assert body["payment"]["status"] == "pending"

    sku = await _sku(app_ctx, market.a.sku_ids[0])
    assert (sku.stock, sku.reserved) == (10, 2)  # reserved, not yet deducted
    detail = (
        await client.get(f"{API}/orders/{by_shop[market.a.shop_id]['id']}", headers=buyer.headers)
    ).json()
    assert [(i["sku_id"], i["quantity"]) for i in detail["items"]] == [
        (market.a.sku_ids[0], 2),
        (market.a.sku_ids[1], 1),
    ]
    assert detail["address"]["recipient"] == "张三" and detail["address"]["city"] == "杭州市"
    moved = {"recipient": "李四", "phone": "13900139000", "province": "江苏省", "city": "南京市"}
    moved |= {"district": "玄武区", "detail": "中山路 1 号"}
    assert (
        await client.put(f"{API}/me/addresses/{address}", headers=buyer.headers, json=moved)
    ).status_code == 200
    again = (await client.get(f"{API}/orders/{detail['id']}", headers=buyer.headers)).json()
    assert again["address"] == detail["address"]  # the order keeps the address it was placed with
    assert [(e["from_status"], e["to_status"]) for e in detail["timeline"]] == [(None, "pending_payment")]
    async with app_ctx.database.uow() as uow:
        assert await check(uow) == []


async def test_preview_prices_without_reserving(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, address = await new_buyer(client)
    body = {
        "address_id": address,
        "items": [
            {"sku_id": market.a.sku_ids[0], "quantity": 3},
            {"sku_id": market.b.sku_ids[1], "quantity": 9},
        ],
        "shops": [{"shop_id": market.a.shop_id, "note": "请用纸箱"}],
    }
    preview = await client.post(f"{API}/checkout/preview", headers=buyer.headers, json=body)
    assert preview.status_code == 200, preview.text
    data = preview.json()
    assert data["can_submit"] is False  # 9 of a SKU with 5 in stock
    shop_b = next(s for s in data["shops"] if s["shop_id"] == market.b.shop_id)
    assert shop_b["lines"][0]["purchasable"] is False and "5" in shop_b["lines"][0]["problems"][0]
    shop_a = next(s for s in data["shops"] if s["shop_id"] == market.a.shop_id)
    assert shop_a["note"] == "请用纸箱" and shop_a["payable_fen"] == 549900 * 3
    assert data["total_fen"] == 549900 * 3
    assert (await _sku(app_ctx, market.a.sku_ids[0])).reserved == 0


async def test_ordering_from_the_cart_takes_the_lines_out(client: httpx.AsyncClient, market: Market) -> None:
    buyer, address = await new_buyer(client)
    first = (
        await client.post(
            f"{API}/cart/items", headers=buyer.headers, json={"sku_id": market.a.sku_ids[0], "quantity": 2}
        )
    ).json()
    await client.post(
        f"{API}/cart/items", headers=buyer.headers, json={"sku_id": market.b.sku_ids[0], "quantity": 1}
    )
    placed = await client.post(
        f"{API}/orders", headers=buyer.headers, json={"address_id": address, "cart_item_ids": [first["id"]]}
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["orders"][0]["total_fen"] == 549900 * 2
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert [line["sku_id"] for line in cart["items"]] == [market.b.sku_ids[0]]
    again = await client.post(
        f"{API}/orders", headers=buyer.headers, json={"address_id": address, "cart_item_ids": [first["id"]]}
    )
    assert again.status_code == 404  # that line is gone


async def test_client_prices_are_ignored(client: httpx.AsyncClient, market: Market) -> None:
    buyer, address = await new_buyer(client)
    body = {
        "address_id": address,
        "items": [{"sku_id": market.a.sku_ids[0], "quantity": 1, "price_fen": 1}],
        "total_fen": 1,
    }
    placed = await client.post(f"{API}/orders", headers=buyer.headers, json=body)
    assert placed.status_code == 201, placed.text
    assert placed.json()["payment"]["amount_fen"] == 549900


async def test_idempotency_key(client: httpx.AsyncClient, market: Market, app_ctx: AppContext) -> None:
    buyer, address = await new_buyer(client)
    body = {"address_id": address, "items": [{"sku_id": market.a.sku_ids[0], "quantity": 1}]}
    headers = {**buyer.headers, "Idempotency-Key": "k-123"}
    first = await client.post(f"{API}/orders", headers=headers, json=body)
    second = await client.post(f"{API}/orders", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = {**body, "items": [{"sku_id": market.a.sku_ids[0], "quantity": 2}]}
    reused = await client.post(f"{API}/orders", headers=headers, json=other)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    # Another buyer may use the same key for their own order.
    stranger, their_address = await new_buyer(client)
    theirs = await client.post(
        f"{API}/orders",
        headers={**stranger.headers, "Idempotency-Key": "k-123"},
        json={**body, "address_id": their_address},
    )
    assert theirs.status_code == 201 and theirs.json() != first.json()
    assert await _order_count(app_ctx) == 2


async def test_a_double_click_places_one_order(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, address = await new_buyer(client)
    body = {"address_id": address, "items": [{"sku_id": market.a.sku_ids[0], "quantity": 1}]}
    headers = {**buyer.headers, "Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(client.post(f"{API}/orders", headers=headers, json=body) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["payment"]["id"] for a in answers}) == 1
    assert await _order_count(app_ctx) == 1
    assert (await _sku(app_ctx, market.a.sku_ids[0])).reserved == 1


async def test_insufficient_stock_changes_nothing(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, address = await new_buyer(client)
    short = await place_order(client, buyer, address, [(market.a.sku_ids[0], 1), (market.b.sku_ids[1], 6)])
    assert short.status_code == 409 and short.json()["code"] == "insufficient_stock"
    assert short.json()["sku_id"] == market.b.sku_ids[1]
    assert await _order_count(app_ctx) == 0
    assert (await _sku(app_ctx, market.a.sku_ids[0])).reserved == 0


@pytest.mark.parametrize("quantity", [0, -1, 1.5, 10_000, "2", "x", None])
async def test_bad_quantities(client: httpx.AsyncClient, market: Market, quantity: object) -> None:
    buyer, address = await new_buyer(client)
    body = {"address_id": address, "items": [{"sku_id": market.a.sku_ids[0], "quantity": quantity}]}
    for path in ("/orders", "/checkout/preview"):
        response = await client.post(f"{API}{path}", headers=buyer.headers, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "items[0].quantity"


async def test_what_cannot_be_ordered(
    client: httpx.AsyncClient, market: Market, admin: Account, app_ctx: AppContext
) -> None:
    buyer, address = await new_buyer(client)
    unknown = await place_order(client, buyer, address, [("01JNOSUCHSKU0000000000000", 1)])
    assert unknown.status_code == 404
    empty = await client.post(
        f"{API}/orders", headers=buyer.headers, json={"address_id": address, "items": []}
    )
    assert empty.status_code == 422
    both = await client.post(
        f"{API}/orders",
        headers=buyer.headers,
        json={
            "address_id": address,
            "items": [{"sku_id": market.a.sku_ids[0], "quantity": 1}],
            "cart_item_ids": ["x"],
        },
    )
    assert both.status_code == 422

    await client.post(
        f"{API}/shops/{market.a.shop_id}/products/{market.a.product_id}/off-shelf",
        headers=market.a.owner.headers,
    )
    off = await place_order(client, buyer, address, [(market.a.sku_ids[0], 1)])
    assert off.status_code == 409 and off.json()["code"] == "item_unavailable"
    await client.post(
        f"{API}/admin/shops/{market.b.shop_id}/suspend", headers=admin.headers, json={"reason": "违规"}
    )
    suspended = await place_order(client, buyer, address, [(market.b.sku_ids[0], 1)])
    assert suspended.status_code == 409 and suspended.json()["code"] == "item_unavailable"
    assert await _order_count(app_ctx) == 0


async def test_someone_elses_address_and_cart_lines_are_not_found(
    client: httpx.AsyncClient, market: Market
) -> None:
    alice, alice_address = await new_buyer(client)
    bob = await register(client)
    await add_address(client, bob)
    taken = await place_order(client, bob, alice_address, [(market.a.sku_ids[0], 1)])
    assert taken.status_code == 404
    line = (
        await client.post(f"{API}/cart/items", headers=alice.headers, json={"sku_id": market.a.sku_ids[0]})
    ).json()
    bob_address = (await client.get(f"{API}/me/addresses", headers=bob.headers)).json()["items"][0]["id"]
    stolen = await client.post(
        f"{API}/orders", headers=bob.headers, json={"address_id": bob_address, "cart_item_ids": [line["id"]]}
    )
    assert stolen.status_code == 404


async def test_a_crash_inside_submit_leaves_nothing_behind(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after stock was reserved and every row written, before COMMIT."""
    from jishi.orders import checkout

    buyer, address = await new_buyer(client)

    body = CheckoutIn.model_validate(
        {
            "address_id": address,
            "items": [
                {"sku_id": market.a.sku_ids[0], "quantity": 2},
                {"sku_id": market.b.sku_ids[0], "quantity": 1},
            ],
        }
    )
    with pytest.raises(RuntimeError, match="power cut"):
        async with app_ctx.database.uow() as uow:

            async def crash() -> None:
                in_flight = await uow.execute(select(func.count()).select_from(StockReservation))
                assert in_flight.scalar() == 2  # written, in the transaction about to die
                raise RuntimeError("power cut")

            monkeypatch.setattr(uow.session, "commit", crash)
            await checkout.submit(uow, app_ctx, buyer.id, body, "crash-key")
    assert await _order_count(app_ctx) == 0
    async with app_ctx.database.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StockReservation)) == 0
        assert await check(uow) == []
    assert (await _sku(app_ctx, market.a.sku_ids[0])).reserved == 0


async def test_the_same_sku_twice_counts_against_the_line_limit(
    client: httpx.AsyncClient, market: Market
) -> None:
    buyer, address = await new_buyer(client)
    sku = market.a.sku_ids[0]
    doubled = await place_order(client, buyer, address, [(sku, 600), (sku, 600)])
    assert doubled.status_code == 422, doubled.text
    assert doubled.json()["errors"][0]["field"] == "items[1].quantity"
    fine = await place_order(client, buyer, address, [(sku, 2), (sku, 3)])
    assert fine.status_code == 201 and fine.json()["orders"][0]["total_fen"] == 549900 * 5


async def test_selling_the_last_units_tells_search_once(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    """The product's availability follows its SKUs in the order's transaction, and search
    hears of it only when the product sells out (not on every order)."""
    category = await phone_category(client, admin)
    listing = await list_product(client, admin, category, stocks=(3, 0))
    sku = listing.sku_ids[0]
    buyer, address = await new_buyer(client)
    before = await events(app_ctx, AvailabilityChanged.topic)

    assert (await place_order(client, buyer, address, [(sku, 2)])).status_code == 201
    assert await _stock_total(app_ctx, listing.product_id) == 1
    assert await events(app_ctx, AvailabilityChanged.topic) == before
    assert (await place_order(client, buyer, address, [(sku, 1)])).status_code == 201
    assert await _stock_total(app_ctx, listing.product_id) == 0
    assert await events(app_ctx, AvailabilityChanged.topic) == before + 1


async def _stock_total(ctx: AppContext, product_id: str) -> int:
    async with ctx.database.uow() as uow:
        product = await uow.session.get(Product, product_id)
        assert product is not None
        return product.stock_total


async def test_a_broken_constraint_is_not_mistaken_for_a_lost_race(
    market: Market, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the Idempotency-Key's own conflict means a twin won; any other integrity error
    (here two orders drawing the same order number) is a fault: 500 with a request id, not
    503 "busy", and nothing of the failed checkout stays."""
    from jishi.orders import checkout

    transport = httpx.ASGITransport(app=app_ctx.app, raise_app_exceptions=False)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        monkeypatch.setattr(checkout, "_order_no", lambda now_text: now_text + "00000000")
        buyer, address = await new_buyer(client, app_ctx)
        body = {"address_id": address, "items": [{"sku_id": market.a.sku_ids[0], "quantity": 1}]}
        first = await client.post(f"{API}/orders", headers=buyer.headers, json=body)
        assert first.status_code == 201, first.text

        clash = await client.post(
            f"{API}/orders", headers={**buyer.headers, "Idempotency-Key": "k-9"}, json=body
        )

    assert clash.status_code == 500, clash.text
    assert clash.json()["code"] == "internal_error" and clash.json()["request_id"]
    assert await _order_count(app_ctx) == 1
    assert (await _sku(app_ctx, market.a.sku_ids[0])).reserved == 1
