"""Stock under concurrent buyers: real simultaneous requests (run on PostgreSQL in CI)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from jishi.catalog.models import Product, Sku
from jishi.core.context import AppContext
from jishi.inventory.service import check
from jishi.orders.models import Order
from tests.catalog.helpers import API, phone_category
from tests.conftest import Account
from tests.shopping import list_product, new_buyer, place_order


async def test_fifty_buyers_ten_units(client: httpx.AsyncClient, admin: Account, app_ctx: AppContext) -> None:
    category = await phone_category(client, admin)
    listing = await list_product(client, admin, category, stocks=(10, 0))
    buyers = await asyncio.gather(*(new_buyer(client, app_ctx) for _ in range(50)))
    sku = listing.sku_ids[0]

    answers = await asyncio.gather(*(place_order(client, b, address, [(sku, 1)]) for b, address in buyers))

    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 10, [a.text for a in answers if a.status_code not in (201, 409)]
    assert codes.count(409) == 40
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"insufficient_stock"}
    async with app_ctx.database.uow() as uow:
        row = await uow.session.get(Sku, sku)
        assert row is not None and (row.stock, row.reserved) == (10, 10)
        product = await uow.session.get(Product, listing.product_id)
        assert product is not None and product.stock_total == 0  # nothing left to sell
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 10
        assert await check(uow) == []
    page = (await client.get(f"{API}/products/{listing.product_id}")).json()
    assert [s["available"] for s in page["skus"] if s["id"] == sku] == [False]


async def test_opposite_line_orders_do_not_deadlock(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    category = await phone_category(client, admin)
    first = await list_product(client, admin, category, stocks=(100, 100))
    second = await list_product(client, admin, category, title="小米 15 手机", stocks=(100, 100))
    x, y = first.sku_ids[0], second.sku_ids[0]
    buyers = await asyncio.gather(*(new_buyer(client, app_ctx) for _ in range(20)))

    answers = await asyncio.gather(
        *(
            place_order(client, b, address, [(x, 1), (y, 1)] if n % 2 else [(y, 1), (x, 1)])
            for n, (b, address) in enumerate(buyers)
        )
    )

    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers if a.status_code != 201]
    async with app_ctx.database.uow() as uow:
        for sku_id in (x, y):
            row = await uow.session.get(Sku, sku_id)
            assert row is not None and row.reserved == 20
        assert await check(uow) == []
