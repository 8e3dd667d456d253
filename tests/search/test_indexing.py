"""From catalog change to search index: events, idempotence, the edit→searchable delay,
the full rebuild, caching, and the cost of a page."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from jishi.catalog.events import ProductChanged
from jishi.catalog.models import Product
from jishi.cli import app as cli_app
from jishi.core.context import AppContext
from jishi.core.events import OutboxDispatcher
from jishi.search import engines
from jishi.search.engines import read_state
from jishi.search.indexer import index_products, reindex_all
from jishi.search.models import SearchDocument, SearchDocumentCategory
from tests.catalog.helpers import create_product, phone_body, phone_category
from tests.conftest import Account, QueryCounter, open_shop
from tests.search.conftest import API, VISIBLE, World
from tests.search.factories import CatalogFactory


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/products", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def generation(ctx: AppContext) -> int:
    async with ctx.database.uow() as uow:
        return (await read_state(uow))[0]


async def test_an_edit_is_indexed_as_soon_as_it_is_committed(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    """The commit itself wakes the indexer: with a poll interval far longer than the test,
    the edit can only become searchable because the commit woke the dispatcher. (How soon,
    in milliseconds, is measured by bench/indexing.py, not asserted here.)"""
    dispatcher = OutboxDispatcher(app_ctx, poll_seconds=3600)
    dispatcher.start()
    try:
        await world.factory.change(world.id("tea"), title="武夷山肉桂岩茶 250克", price_min_fen=9_900)

        async def searchable() -> list[dict[str, Any]]:
            while True:  # polls the public search, as a buyer would
                items = (await search(client, q="肉桂"))["items"]
                if items:
                    return list(items)
                await asyncio.sleep(0.02)

        items = await asyncio.wait_for(searchable(), timeout=60)  # a hang guard, not a figure
        assert items[0]["id"] == world.id("tea") and items[0]["price_fen"] == 9_900
        assert (await search(client, q="大红袍"))["items"] == []
    finally:
        await dispatcher.stop()


async def test_handlers_are_idempotent_and_skip_unchanged_documents(
    world: World, app_ctx: AppContext
) -> None:
    before = await generation(app_ctx)
    assert await index_products(app_ctx.database, [world.id("mate"), world.id("draft")]) == 0
    # The same event delivered again changes nothing, not even the generation.
    async with app_ctx.database.uow() as uow:
        uow.publish(ProductChanged(product_id=world.id("mate")))
        uow.publish(ProductChanged(product_id="NO-SUCH-PRODUCT"))
        await uow.commit()
    assert await world.factory.index() == 2
    assert await generation(app_ctx) == before
    async with app_ctx.database.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(SearchDocument))
    assert count == len(VISIBLE)

    await world.factory.change(world.id("mate"), sales_count=5000)
    await world.factory.index()
    assert await generation(app_ctx) == before + 1


async def test_changes_through_the_catalog_api_reach_the_index(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    owner, shop_id = await open_shop(client, admin)
    category_id = await phone_category(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(category_id))
    await CatalogFactory(app_ctx).index()
    assert (await search(client, q="鸿蒙"))["items"] == []  # a draft

    published = await client.post(
        f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers
    )
    assert published.status_code == 200, published.text
    await CatalogFactory(app_ctx).index()
    items = (await search(client, q="鸿蒙 shouji"))["items"]
    assert [i["id"] for i in items] == [product["id"]]
    assert items[0]["price_fen"] == 549_900

    sku_id = product["skus"][0]["id"]
    patched = await client.patch(
        f"{API}/shops/{shop_id}/skus/{sku_id}", headers=owner.headers, json={"price_fen": 499_900}
    )
    assert patched.status_code == 200, patched.text
    await CatalogFactory(app_ctx).index()
    assert (await search(client, q="鸿蒙"))["items"][0]["price_fen"] == 499_900
    white = await search(client, q="华为", spec="颜色:白", facets="true")
    assert [i["id"] for i in white["items"]] == [product["id"]]


async def test_reindex_rebuilds_the_index(
    world: World, app_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    async with app_ctx.database.uow() as uow:  # damage the index, and the catalog behind its back
        await uow.session.execute(
            delete(SearchDocument).where(SearchDocument.product_id.in_([world.id("xiaomi"), world.id("tea")]))
        )
        await uow.session.execute(
            delete(SearchDocumentCategory).where(SearchDocumentCategory.product_id == world.id("mate"))
        )
        await uow.session.execute(delete(Product).where(Product.id == world.id("dress")))
        await uow.commit()
    assert len((await search(client, q="手机"))["items"]) == 2

    totals: list[int] = []
    done: list[int] = []
    report = await reindex_all(app_ctx.database, batch_size=3, on_total=totals.append, on_batch=done.append)
    assert totals == [8] and sum(done) == 8
    assert (report.products, report.changed, report.removed_stale) == (8, 5, 1)
    assert {i["id"] for i in (await search(client, q="手机"))["items"]} == {
        world.id("mate"),
        world.id("xiaomi"),
        world.id("case"),
    }
    assert len((await search(client, category_id=world.factory.categories["数码"].id))["items"]) == 4
    assert (await search(client, q="连衣裙"))["items"] == []
    again = await reindex_all(app_ctx.database, force=False)
    assert (again.changed, again.removed_stale) == (0, 0)


def test_reindex_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JISHI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("JISHI_DATABASE_URL", raising=False)
    monkeypatch.delenv("JISHI_REDIS_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["migrate"]).exit_code == 0
    result = runner.invoke(cli_app, ["search", "reindex", "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    assert "0 products" in result.output


async def test_pages_are_cached_until_the_index_changes(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    with QueryCounter(app_ctx) as first:
        await search(client, q="手机", sort="price_asc")
    with QueryCounter(app_ctx) as second:
        cached = await search(client, q="手机", sort="price_asc")
    assert second.count == 0 < first.count  # a cached page costs no database read
    assert cached["items"][0]["id"] == world.id("case")

    await world.factory.change(world.id("case"), price_min_fen=999_999, price_max_fen=999_999)
    await world.factory.index()
    fresh = await search(client, q="手机", sort="price_asc")
    assert fresh["items"][-1]["id"] == world.id("case")


async def test_a_page_of_5_costs_as_many_queries_as_a_page_of_50(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The index generation is re-read in the background every half second: on a busy
    # machine that read landed inside one measurement and not the other.
    monkeypatch.setattr(engines, "STATE_MEMO_SECONDS", 3600.0)
    _, shop_id = await open_shop(client, admin)
    factory = CatalogFactory(app_ctx)
    await factory.category("手机")
    await factory.brand("华为")
    for n in range(60):
        await factory.product(
            shop_id,
            f"华为 手机 {n} 号",
            "手机",
            brand="华为",
            sales=n,
            specs={"颜色": ["黑", "白"][n % 2 :]},
        )
    await factory.index()
    await search(client, q="预热", facets="true")  # loads jieba, synonyms: not what is measured

    async def cost(**params: Any) -> int:
        with QueryCounter(app_ctx) as counter:
            body = await search(client, **params)
        assert len(body["items"]) == params["limit"]
        assert body["total"] == 60 and body["total_is_exact"]
        return counter.count

    # Counts and facets are cached per query and filters, whatever the page: a lower bound
    # on the price (every product costs more) gives each measurement filters of its own.
    for params in ({"q": "华为手机"}, {"q": "shouji", "sort": "sales"}, {"sort": "newest"}):
        small = await cost(**params, limit=5, price_min_fen=1)
        assert small == await cost(**params, limit=50, price_min_fen=2), params
        with_facets = {**params, "facets": "true"}
        assert await cost(**with_facets, limit=6, price_min_fen=3) == await cost(
            **with_facets, limit=51, price_min_fen=4
        ), params
