"""The stock ledger (库存流水) a merchant reads: every movement, who and why, in their language."""

from __future__ import annotations

import httpx

from jishi.core.context import AppContext
from tests.catalog.helpers import API, phone_category
from tests.conftest import Account
from tests.shopping import list_product, new_buyer, place_order


async def test_every_movement_is_in_the_ledger_with_its_reason(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    listing = await list_product(client, admin, await phone_category(client, admin), stocks=(10, 5))
    black = listing.sku_ids[0]
    counted = await client.patch(
        f"{API}/shops/{listing.shop_id}/skus/{black}", headers=listing.owner.headers, json={"stock": 12}
    )
    assert counted.status_code == 200, counted.text
    buyer, address = await new_buyer(client, app_ctx)
    order = (await place_order(client, buyer, address, [(black, 3)])).json()["orders"][0]
    await client.post(f"{API}/orders/{order['id']}/cancel", headers=buyer.headers)

    url = f"{API}/shops/{listing.shop_id}/skus/{black}/stock-movements"
    chinese = (await client.get(url, headers=listing.owner.headers)).json()["items"]
    english = (await client.get(url, headers={**listing.owner.headers, "Accept-Language": "en"})).json()

    assert [(m["kind"], m["on_hand_delta"], m["reserved_delta"]) for m in chinese] == [
        ("release", 0, -3),
        ("reserve", 0, 3),
        ("adjust", 2, 0),
        ("adjust", 10, 0),
    ]
    assert [m["on_hand_after"] - m["reserved_after"] for m in chinese] == [12, 9, 12, 10]
    assert [m["reason"] for m in chinese] == ["订单取消，库存退回", "", "商家修改库存", "新建商品"]
    assert [m["reason"] for m in english["items"]] == [
        "Order cancelled, stock returned",
        "",
        "Stock counted by the merchant",
        "New product",
    ]
