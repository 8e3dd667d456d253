"""A shop reaches its buyer through a virtual number (联系买家), only while the order is to be
shipped or on its way, and each reach is in the personal-data access log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.settings import Settings
from tests.catalog.helpers import API
from tests.conftest import Account, register
from tests.shopping import Market, build_market, new_buyer, pay_in_sandbox, place_order


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


async def _order(
    client: httpx.AsyncClient, market: Market, ctx: AppContext, *, paid: bool
) -> tuple[Account, str]:
    buyer, address = await new_buyer(client)
    placed = await place_order(client, buyer, address, [(market.a.sku_ids[0], 1)])
    assert placed.status_code == 201, placed.text
    if paid:
        await pay_in_sandbox(client, ctx, buyer, placed.json()["payment"]["id"])
    return buyer, placed.json()["orders"][0]["id"]


async def _contact(client: httpx.AsyncClient, who: Account, shop_id: str, order_id: str) -> httpx.Response:
    return await client.post(f"{API}/shops/{shop_id}/orders/{order_id}/contact", headers=who.headers)


async def _log(client: httpx.AsyncClient, who: Account, path: str, **query: Any) -> httpx.Response:
    return await client.get(f"{API}{path}", headers=who.headers, params=query)


async def test_a_paid_order_gives_a_virtual_number_and_logs_the_reach(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, clock: FrozenClock
) -> None:
    buyer, order_id = await _order(client, market, app_ctx, paid=True)
    shop_id = market.a.shop_id

    first = await _contact(client, market.a.owner, shop_id, order_id)
    assert first.status_code == 200, first.text
    number = first.json()["virtual_number"]
    assert number.startswith("1700000") and len(number) == 11 and number != "13800138000"
    assert "13800138000" not in first.text
    ttl = timedelta(seconds=app_ctx.settings.privacy_number_ttl_seconds)
    assert datetime.fromisoformat(first.json()["expires_at"]) == clock.now() + ttl

    clock.advance(timedelta(minutes=5))
    again = await _contact(client, market.a.owner, shop_id, order_id)
    assert again.json()["virtual_number"] == number  # the live binding is reused

    log = (await _log(client, market.a.owner, f"/shops/{shop_id}/audit/personal-data")).json()
    assert [entry["subject_id"] for entry in log["items"]] == [order_id, order_id]
    newest = log["items"][0]
    assert newest["actor_id"] == market.a.owner.id and newest["shop_id"] == shop_id
    assert newest["data_subject_id"] == buyer.id and newest["kind"] == "buyer_phone"
    assert newest["subject_kind"] == "order" and newest["ip"]
    assert newest["created_at"] > log["items"][1]["created_at"]


async def test_shipped_orders_can_be_reached_others_conflict(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, admin: Account
) -> None:
    owner, shop_id = market.a.owner, market.a.shop_id
    _, unpaid = await _order(client, market, app_ctx, paid=False)
    conflict = await _contact(client, owner, shop_id, unpaid)
    assert conflict.status_code == 409 and conflict.json()["code"] == "order_state_conflict"
    assert conflict.json()["order_status"] == "pending_payment"

    buyer, order_id = await _order(client, market, app_ctx, paid=True)
    shipped = await client.post(
        f"{API}/shops/{shop_id}/orders/{order_id}/ship",
        headers=owner.headers,
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
    )
    assert shipped.status_code == 200
    assert (await _contact(client, owner, shop_id, order_id)).status_code == 200

    done = await client.post(f"{API}/orders/{order_id}/confirm-receipt", headers=buyer.headers)
    assert done.status_code == 200
    late = await _contact(client, owner, shop_id, order_id)
    assert late.status_code == 409 and late.json()["order_status"] == "completed"

    buyer, cancelled = await _order(client, market, app_ctx, paid=False)
    assert (await client.post(f"{API}/orders/{cancelled}/cancel", headers=buyer.headers)).status_code == 200
    assert (await _contact(client, owner, shop_id, cancelled)).status_code == 409

    # only the one that succeeded is on the record
    entries = (await _log(client, admin, "/admin/audit/personal-data")).json()["items"]
    assert [e["subject_id"] for e in entries] == [order_id]


async def test_another_shops_order_is_not_found(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, admin: Account
) -> None:
    _, order_id = await _order(client, market, app_ctx, paid=True)
    other = market.b
    assert (await _contact(client, other.owner, other.shop_id, order_id)).status_code == 404
    outsider = await register(client)
    assert (await _contact(client, outsider, market.a.shop_id, order_id)).status_code == 404
    assert (
        await _contact(client, market.a.owner, market.a.shop_id, "01J0000000000000000000000")
    ).status_code == 404
    assert (await _log(client, admin, "/admin/audit/personal-data")).json()["items"] == []


async def test_access_logs_are_the_owners_and_the_platforms(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext, admin: Account, clock: FrozenClock
) -> None:
    owner, shop_id = market.a.owner, market.a.shop_id
    reached = []
    for _ in range(3):
        _, order_id = await _order(client, market, app_ctx, paid=True)
        assert (await _contact(client, owner, shop_id, order_id)).status_code == 200
        reached.append(order_id)
        clock.advance(timedelta(seconds=1))
    newest_first = list(reversed(reached))

    mine = (await _log(client, owner, f"/shops/{shop_id}/audit/personal-data")).json()
    assert [e["subject_id"] for e in mine["items"]] == newest_first
    other = market.b
    assert (await _log(client, other.owner, f"/shops/{other.shop_id}/audit/personal-data")).json()[
        "items"
    ] == []
    assert (await _log(client, other.owner, f"/shops/{shop_id}/audit/personal-data")).status_code == 404
    assert (await _log(client, owner, "/admin/audit/personal-data")).status_code == 403

    seen: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await _log(client, admin, "/admin/audit/personal-data", **query)).json()
        seen += [e["subject_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first


def test_the_number_pool_is_checked_at_start_up() -> None:
    for prefix in ("17x0000", "17", "17000000000"):
        with pytest.raises(ValidationError):
            Settings(privacy_number_prefix=prefix)
    with pytest.raises(ValidationError):
        Settings(privacy_number_ttl_seconds=0)
