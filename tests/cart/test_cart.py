"""The cart: lines, limits, warnings, totals by shop, guest carts merged at login."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from jishi.core.context import AppContext
from tests.catalog.helpers import API
from tests.conftest import PASSWORD, Account, QueryCounter, login, register
from tests.shopping import Market, build_market, list_product


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


async def _add(client: httpx.AsyncClient, who: Account, sku_id: str, quantity: int = 1) -> httpx.Response:
    return await client.post(
        f"{API}/cart/items", headers=who.headers, json={"sku_id": sku_id, "quantity": quantity}
    )


async def test_cart_groups_by_shop_and_totals_selected_lines(
    client: httpx.AsyncClient, market: Market
) -> None:
    buyer = await register(client)
    added = await _add(client, buyer, market.a.sku_ids[0], 2)
    assert added.status_code == 201, added.text
    line = added.json()
    assert line["sku_id"] == market.a.sku_ids[0] and line["quantity"] == 2
    assert line["unit_price_fen"] == 549900 and line["subtotal_fen"] == 1099800
    assert (await _add(client, buyer, market.b.sku_ids[1])).status_code == 201
    again = await _add(client, buyer, market.a.sku_ids[0], 1)  # same SKU adds to its line
    assert again.json()["id"] == line["id"] and again.json()["quantity"] == 3

    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert [s["shop_id"] for s in cart["shops"]] == [market.b.shop_id, market.a.shop_id]  # newest first
    assert cart["total_fen"] == 549900 * 3 + 429900
    assert cart["item_count"] == 2 and cart["selected_count"] == 2

    deselect = await client.patch(
        f"{API}/cart/items/{line['id']}", headers=buyer.headers, json={"selected": False}
    )
    assert deselect.status_code == 200
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert cart["total_fen"] == 429900 and cart["selected_count"] == 1
    everything = await client.post(f"{API}/cart/selection", headers=buyer.headers, json={"selected": True})
    assert everything.json()["total_fen"] == 549900 * 3 + 429900


async def test_shop_shipping_fee_and_free_threshold(client: httpx.AsyncClient, market: Market) -> None:
    terms = {"shipping_fee_fen": 1000, "free_shipping_over_fen": 1_000_000}
    patched = await client.patch(
        f"{API}/shops/{market.a.shop_id}", headers=market.a.owner.headers, json=terms
    )
    assert patched.status_code == 200, patched.text
    buyer = await register(client)
    await _add(client, buyer, market.a.sku_ids[0])
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert cart["shipping_fen"] == 1000 and cart["total_fen"] == 549900 + 1000
    await _add(client, buyer, market.a.sku_ids[0])  # 1 099 800 ≥ the threshold: free
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert cart["shipping_fen"] == 0 and cart["total_fen"] == 1099800


async def test_lines_are_flagged_with_the_reason(client: httpx.AsyncClient, market: Market) -> None:
    buyer = await register(client)
    owner, shop = market.a.owner, market.a.shop_id
    first, second = market.a.sku_ids
    await _add(client, buyer, first, 4)
    await _add(client, buyer, second, 1)
    await client.patch(
        f"{API}/shops/{shop}/skus/{first}", headers=owner.headers, json={"stock": 3, "price_fen": 500000}
    )
    await client.patch(f"{API}/shops/{shop}/skus/{second}", headers=owner.headers, json={"stock": 0})
    cart = (await client.get(f"{API}/cart", headers=buyer.headers, params={})).json()
    by_sku = {line["sku_id"]: line for line in cart["items"]}
    assert {w["code"] for w in by_sku[first]["warnings"]} == {"over_stock", "repriced"}
    assert by_sku[first]["available"] == 3 and not by_sku[first]["purchasable"]
    assert "3" in next(w["message"] for w in by_sku[first]["warnings"] if w["code"] == "over_stock")
    assert [w["code"] for w in by_sku[second]["warnings"]] == ["out_of_stock"]
    assert cart["total_fen"] == 0  # nothing sellable is counted

    await client.post(f"{API}/shops/{shop}/products/{market.a.product_id}/off-shelf", headers=owner.headers)
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert {w["code"] for line in cart["items"] for w in line["warnings"]} >= {"off_shelf"}


async def test_bad_quantities_and_unknown_skus(client: httpx.AsyncClient, market: Market) -> None:
    buyer = await register(client)
    sku = market.a.sku_ids[0]
    for quantity in (0, -1, 1.5, 10_000, "2", "many", None):
        response = await client.post(
            f"{API}/cart/items", headers=buyer.headers, json={"sku_id": sku, "quantity": quantity}
        )
        assert response.status_code == 422, (quantity, response.text)
        assert response.json()["errors"][0]["field"] == "quantity"
    assert (await _add(client, buyer, "01JNOSUCHSKU0000000000000")).status_code == 404
    await _add(client, buyer, sku, 999)
    over = await _add(client, buyer, sku, 1)
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "quantity"
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert cart["items"][0]["quantity"] == 999


async def test_off_shelf_and_suspended_shop_skus_cannot_be_added(
    client: httpx.AsyncClient, market: Market, admin: Account
) -> None:
    buyer = await register(client)
    owner, shop = market.a.owner, market.a.shop_id
    await client.post(f"{API}/shops/{shop}/products/{market.a.product_id}/off-shelf", headers=owner.headers)
    refused = await _add(client, buyer, market.a.sku_ids[0])
    assert refused.status_code == 409 and refused.json()["code"] == "item_unavailable"

    await _add(client, buyer, market.b.sku_ids[0])
    suspend = await client.post(
        f"{API}/admin/shops/{market.b.shop_id}/suspend", headers=admin.headers, json={"reason": "违规"}
    )
    assert suspend.status_code == 200, suspend.text
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    assert cart["items"][0]["warnings"][0]["code"] == "shop_closed" and cart["total_fen"] == 0


async def test_someone_elses_line_is_not_found(client: httpx.AsyncClient, market: Market) -> None:
    alice, bob = await register(client), await register(client)
    line = (await _add(client, alice, market.a.sku_ids[0])).json()
    assert (
        await client.patch(f"{API}/cart/items/{line['id']}", headers=bob.headers, json={"quantity": 2})
    ).status_code == 404
    assert (await client.delete(f"{API}/cart/items/{line['id']}", headers=bob.headers)).status_code == 404
    selection = await client.post(
        f"{API}/cart/selection", headers=bob.headers, json={"selected": False, "item_ids": [line["id"]]}
    )
    assert selection.status_code == 404
    assert (await client.delete(f"{API}/cart/items/{line['id']}", headers=alice.headers)).status_code == 204
    assert (await client.get(f"{API}/cart", headers=alice.headers)).json()["items"] == []


async def test_line_limit(client: httpx.AsyncClient, market: Market, app_ctx: AppContext) -> None:
    from jishi.cart import service

    buyer = await register(client)
    service_limit, service.MAX_LINES = service.MAX_LINES, 2
    try:
        await _add(client, buyer, market.a.sku_ids[0])
        await _add(client, buyer, market.a.sku_ids[1])
        full = await _add(client, buyer, market.b.sku_ids[0])
        assert full.status_code == 409 and full.json()["code"] == "cart_full"
        more = await _add(client, buyer, market.a.sku_ids[1])  # a line it has can still grow
        assert more.status_code == 201 and more.json()["quantity"] == 2
    finally:
        service.MAX_LINES = service_limit


async def _guest_cart(client: httpx.AsyncClient, lines: dict[str, int]) -> str:
    """Fill a guest cart (no one signed in); the client keeps its cookie. Returns the token."""
    client.cookies.clear()
    for sku_id, quantity in lines.items():
        added = await client.post(f"{API}/cart/items", json={"sku_id": sku_id, "quantity": quantity})
        assert added.status_code == 201, added.text
    assert (await client.get(f"{API}/cart")).json()["item_count"] == len(lines)
    return client.cookies["jishi_cart"]


def _quantities(cart: httpx.Response) -> dict[str, int]:
    assert cart.status_code == 200, cart.text
    return {line["sku_id"]: line["quantity"] for line in cart.json()["items"]}


async def test_guest_cart_merges_into_the_users_cart_at_login(
    client: httpx.AsyncClient, market: Market
) -> None:
    user = await register(client)
    await _add(client, user, market.a.sku_ids[0], 2)
    token = await _guest_cart(client, {market.a.sku_ids[0]: 3, market.b.sku_ids[0]: 1})

    signed_in = await client.post(f"{API}/auth/login", json={"login": user.email, "password": PASSWORD})

    assert signed_in.status_code == 200, signed_in.text
    assert 'jishi_cart=""' in signed_in.headers["set-cookie"]  # the browser forgets the guest cart
    assert "jishi_cart" not in client.cookies
    # No cart request carried the guest cookie since: the login itself merged it.
    mine = await client.get(f"{API}/cart", headers={"Authorization": f"Bearer {user.token}"})
    assert _quantities(mine) == {market.a.sku_ids[0]: 5, market.b.sku_ids[0]: 1}
    client.cookies.clear()
    client.cookies.set("jishi_cart", token)
    assert (await client.get(f"{API}/cart")).json()["items"] == []  # the guest cart is gone


async def test_guest_cart_is_capped_per_line_when_merged(client: httpx.AsyncClient, market: Market) -> None:
    user = await register(client)
    await _add(client, user, market.a.sku_ids[0], 990)
    await _guest_cart(client, {market.a.sku_ids[0]: 20})
    await login(client, user.email)
    mine = await client.get(f"{API}/cart", headers=user.headers)
    assert _quantities(mine) == {market.a.sku_ids[0]: 999}


async def test_registering_and_refreshing_take_the_guest_cart(
    client: httpx.AsyncClient, market: Market
) -> None:
    await _guest_cart(client, {market.a.sku_ids[0]: 2})
    registered = await client.post(
        f"{API}/auth/register", json={"email": "new-buyer@example.com", "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    assert "jishi_cart" not in client.cookies
    headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    assert _quantities(await client.get(f"{API}/cart", headers=headers)) == {market.a.sku_ids[0]: 2}

    # The session cookie lapsed, the browser shopped as a guest, then renewed its session.
    refresh_token = client.cookies["jishi_refresh"]
    await _guest_cart(client, {market.b.sku_ids[0]: 1})
    client.cookies.set("jishi_refresh", refresh_token, path="/api/v1/auth")
    renewed = await client.post(f"{API}/auth/refresh")
    assert renewed.status_code == 200, renewed.text
    headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    mine = await client.get(f"{API}/cart", headers=headers)
    assert _quantities(mine) == {market.a.sku_ids[0]: 2, market.b.sku_ids[0]: 1}


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


async def test_reading_the_cart_writes_nothing(
    client: httpx.AsyncClient, market: Market, app_ctx: AppContext
) -> None:
    user = await register(client)
    await _add(client, user, market.a.sku_ids[0], 2)
    await _guest_cart(client, {market.b.sku_ids[0]: 1})

    with QueryCounter(app_ctx) as guest_read:
        guest = await client.get(f"{API}/cart")
    assert _quantities(guest) == {market.b.sku_ids[0]: 1}  # a guest still sees their cart
    with QueryCounter(app_ctx) as user_read:  # signed in, and the guest cookie still sent
        mine = await client.get(f"{API}/cart", headers=user.headers)
    assert _quantities(mine) == {market.a.sku_ids[0]: 2}
    assert (_writes(guest_read.statements), _writes(user_read.statements)) == ([], [])
    assert guest_read.count > 0 and user_read.count > 0


async def test_cart_queries_do_not_grow_with_lines(
    client: httpx.AsyncClient, market: Market, admin: Account, app_ctx: AppContext
) -> None:
    buyer = await register(client)
    await _add(client, buyer, market.a.sku_ids[0])
    with QueryCounter(app_ctx) as one:
        await client.get(f"{API}/cart", headers=buyer.headers)
    more = await list_product(client, admin, market.category_id, title="荣耀 手机")
    for sku_id in [*market.a.sku_ids[1:], *market.b.sku_ids, *more.sku_ids]:
        await _add(client, buyer, sku_id)
    with QueryCounter(app_ctx) as six:
        cart = await client.get(f"{API}/cart", headers=buyer.headers)
    assert len(cart.json()["items"]) == 6
    assert six.count == one.count


async def test_simultaneous_first_adds_make_one_cart(client: httpx.AsyncClient, market: Market) -> None:
    """Two tabs (or a double tap) adding at once: one cart, one line per SKU, nothing lost."""
    buyer = await register(client)
    same, other = market.a.sku_ids[0], market.b.sku_ids[0]

    answers = await asyncio.gather(*(_add(client, buyer, sku) for sku in (same, same, same, other, same)))

    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    cart = (await client.get(f"{API}/cart", headers=buyer.headers)).json()
    lines = {line["sku_id"]: line["quantity"] for line in cart["items"]}
    assert lines == {same: 4, other: 1}
