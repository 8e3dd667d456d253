"""What a shop sees of where its order goes: nothing before payment or once cancelled, the
address with a masked phone while it is to be shipped, a masked name and the region only
once it has left. The buyer still sees what they gave."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from jishi.core.context import AppContext
from tests.catalog.helpers import API
from tests.conftest import Account
from tests.shopping import Market, build_market, new_buyer, pay_in_sandbox, place_order

FULL_PHONE = "13800138000"  # the buyer's, as tests.shopping.add_address gives it
STREET = "文三路 100 号"
REGION = {"province": "浙江省", "city": "杭州市", "district": "西湖区"}


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


async def _placed(client: httpx.AsyncClient, market: Market) -> tuple[Account, str, str]:
    buyer, address = await new_buyer(client)
    placed = await place_order(client, buyer, address, [(market.a.sku_ids[0], 1)])
    assert placed.status_code == 201, placed.text
    return buyer, placed.json()["orders"][0]["id"], placed.json()["payment"]["id"]


async def _shop_view(client: httpx.AsyncClient, market: Market, order_id: str) -> tuple[Any, Any]:
    """The order's address in the shop's detail and in its list, checked for leaks."""
    owner, shop_id = market.a.owner, market.a.shop_id
    detail = await client.get(f"{API}/shops/{shop_id}/orders/{order_id}", headers=owner.headers)
    listed = await client.get(f"{API}/shops/{shop_id}/orders", headers=owner.headers)
    assert detail.status_code == 200 and listed.status_code == 200
    assert FULL_PHONE not in detail.text and FULL_PHONE not in listed.text
    item = next(o for o in listed.json()["items"] if o["id"] == order_id)
    return detail.json()["address"], item["address"]


async def _post(client: httpx.AsyncClient, who: Account, path: str, **body: Any) -> None:
    response = await client.post(f"{API}{path}", headers=who.headers, json=body or None)
    assert response.status_code == 200, response.text


async def test_unpaid_and_cancelled_orders_show_the_shop_no_contact(
    client: httpx.AsyncClient, market: Market
) -> None:
    buyer, order_id, _ = await _placed(client, market)
    assert await _shop_view(client, market, order_id) == (None, None)

    await _post(client, buyer, f"/orders/{order_id}/cancel")
    assert await _shop_view(client, market, order_id) == (None, None)


async def test_contact_follows_the_order_through_shipping(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    buyer, order_id, payment_id = await _placed(client, market)
    shop = f"/shops/{market.a.shop_id}/orders/{order_id}"
    await pay_in_sandbox(client, app_ctx, buyer, payment_id)

    to_ship = {"recipient": "张三", "phone": "138****8000", **REGION, "detail": STREET}
    assert await _shop_view(client, market, order_id) == (to_ship, to_ship)

    await _post(client, market.a.owner, f"{shop}/ship", carrier_code="SF", tracking_no="SF1234567890")
    gone = {"recipient": "张*", "phone": "138****8000", **REGION, "detail": None}
    assert await _shop_view(client, market, order_id) == (gone, gone)

    await _post(client, market.a.owner, f"{shop}/mark-delivered")
    assert await _shop_view(client, market, order_id) == (gone, gone)

    await _post(client, buyer, f"/orders/{order_id}/confirm-receipt")
    assert await _shop_view(client, market, order_id) == (gone, gone)

    mine = (await client.get(f"{API}/orders/{order_id}", headers=buyer.headers)).json()["address"]
    assert mine == {"recipient": "张三", "phone": FULL_PHONE, **REGION, "detail": STREET}
