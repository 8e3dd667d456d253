"""A product's available total (``products.stock_total``) stays equal to what its enabled SKUs
have available, whatever merchants and buyers do at the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.inventory import service as inventory
from tests.catalog.helpers import API, phone_category
from tests.conftest import Account
from tests.shopping import Listing, list_product, new_buyer, place_order


def _matrix(stocks: tuple[int, int], prices: tuple[int, int] = (549900, 599900)) -> dict[str, Any]:
    return {
        "skus": [
            {"specs": {"颜色": "黑", "存储容量": "256GB"}, "price_fen": prices[0], "stock": stocks[0]},
            {"specs": {"颜色": "白", "存储容量": "256GB"}, "price_fen": prices[1], "stock": stocks[1]},
        ]
    }


async def _replace_skus(client: httpx.AsyncClient, listing: Listing, body: dict[str, Any]) -> httpx.Response:
    return await client.put(
        f"{API}/shops/{listing.shop_id}/products/{listing.product_id}/skus",
        headers=listing.owner.headers,
        json=body,
    )


async def _in_stock(client: httpx.AsyncClient, listing: Listing) -> bool:
    page = (await client.get(f"{API}/products/{listing.product_id}")).json()
    return bool(page["in_stock"])


async def test_an_order_landing_inside_a_sku_edit_is_not_lost(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merchant counts the black SKU down to 3 while a buyer takes the last white one;
    once the 3 black sell too, the product must read sold out, not "in stock" for ever."""
    listing = await list_product(client, admin, await phone_category(client, admin), stocks=(5, 1))
    black, white = listing.sku_ids
    (first, address), (second, second_address) = [await new_buyer(client, app_ctx) for _ in range(2)]
    original = inventory.count_on_hand
    placed: list[httpx.Response] = []

    async def order_lands_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not placed:  # the edit has read the SKUs; the buyer's order commits now
            placed.append(await place_order(client, first, address, [(white, 1)]))
        return await original(*args, **kwargs)

    monkeypatch.setattr(inventory, "count_on_hand", order_lands_meanwhile)
    edited = await _replace_skus(client, listing, _matrix((3, 1)))
    monkeypatch.undo()

    assert edited.status_code == 200, edited.text
    assert [p.status_code for p in placed] == [201], [p.text for p in placed]
    async with app_ctx.database.uow() as uow:
        assert await inventory.check(uow) == []
    last = await place_order(client, second, second_address, [(black, 3)])
    assert last.status_code == 201, last.text
    assert await _in_stock(client, listing) is False


async def test_concurrent_edits_and_orders_keep_totals_exact(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    """Real simultaneous requests (on PostgreSQL in CI): buyers order one SKU while the
    merchant re-saves the matrix, disables and re-enables the other SKU and counts stock."""
    listing = await list_product(client, admin, await phone_category(client, admin), stocks=(50, 30))
    buyers = await asyncio.gather(*(new_buyer(client, app_ctx) for _ in range(12)))
    white = listing.sku_ids[1]

    async def merchant() -> list[int]:
        codes = []
        for n in range(6):
            only_black = {"skus": _matrix((40 + n, 30))["skus"][:1]}
            body = _matrix((40 + n, 30)) if n % 2 else only_black
            codes.append((await _replace_skus(client, listing, body)).status_code)
        return codes

    orders, edits = await asyncio.gather(
        asyncio.gather(*(place_order(client, b, a, [(white, 2)]) for b, a in buyers)), merchant()
    )

    assert set(edits) == {200}
    assert {o.status_code for o in orders} <= {201, 409}
    async with app_ctx.database.uow() as uow:
        assert await inventory.check(uow) == []
