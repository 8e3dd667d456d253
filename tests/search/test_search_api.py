"""``GET /products``: words, pinyin, synonyms, filters, facets, sorts, paging, visibility and
bad input. Runs unchanged on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.search.schemas import ProductSearchOut
from tests.conftest import Account, QueryCounter
from tests.search.conftest import API, VISIBLE, World


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/products", params=params)
    assert response.status_code == 200, response.text
    body = dict(response.json())
    # The answer is served as cached bytes: it must still be exactly the documented shape.
    assert ProductSearchOut.model_validate(body).model_dump(mode="json") == body
    return body


def keys(world: World, body: dict[str, Any]) -> list[str]:
    return [world.key(item["id"]) for item in body["items"]]


async def test_words_find_products_across_segmentations(client: httpx.AsyncClient, world: World) -> None:
    found = keys(world, await search(client, q="华为手机"))
    assert set(found) == {"mate", "case"}
    assert set(keys(world, await search(client, q="手机"))) == {"mate", "xiaomi", "case"}
    assert keys(world, await search(client, q="大红袍")) == ["tea"]
    assert keys(world, await search(client, q="茶")) == ["tea"]  # a single character
    assert keys(world, await search(client, q="ＭＡＴＥＰＡＤ")) == ["pad"]  # full width, upper case
    assert set(keys(world, await search(client, q="mate70"))) == {"mate", "case"}
    assert keys(world, await search(client, q="连衣裙 白")) == ["dress"]  # spec values are searchable


async def test_pinyin_and_initials_find_chinese_words(client: httpx.AsyncClient, world: World) -> None:
    assert set(keys(world, await search(client, q="shouji"))) == {"mate", "xiaomi", "case"}
    assert set(keys(world, await search(client, q="sj"))) >= {"mate", "xiaomi", "case"}
    assert set(keys(world, await search(client, q="huawei shouji"))) == {"mate", "case"}
    assert keys(world, await search(client, q="dahongpao")) == ["tea"]


async def test_results_carry_the_contract_fields_and_a_highlight(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await search(client, q="华为手机", sort="price_desc")
    item = body["items"][0]
    assert item["id"] == world.id("mate")
    assert item["title"] == "华为 Mate 70 手机"
    assert (item["price_fen"], item["price_max_fen"]) == (549_900, 599_900)
    assert item["shop_id"] == world.shop_id
    assert item["highlight"] == "<em>华为</em> Mate 70 <em>手机</em>"
    assert item["image_url"] is None
    assert {"sales_count", "rating_avg", "brand_id", "category_id", "in_stock"} <= set(item)
    assert body["next_cursor"] is None and body["facets"] is None


async def test_synonyms_edited_by_operators_apply_at_once(
    client: httpx.AsyncClient, world: World, admin: Account
) -> None:
    assert (await search(client, q="移动电话"))["items"] == []
    created = await client.post(
        f"{API}/admin/search/synonyms", headers=admin.headers, json={"terms": ["手机", "移动电话"]}
    )
    assert created.status_code == 201, created.text
    assert set(keys(world, await search(client, q="移动电话"))) == {"mate", "xiaomi", "case"}
    body = await search(client, q="华为移动电话")
    assert set(keys(world, body)) == {"mate", "case"}
    deleted = await client.delete(
        f"{API}/admin/search/synonyms/{created.json()['id']}", headers=admin.headers
    )
    assert deleted.status_code == 204
    assert (await search(client, q="移动电话"))["items"] == []


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    f = world.factory
    root = f.categories["数码"].id
    assert set(keys(world, await search(client, category_id=root))) == {"mate", "xiaomi", "case", "pad"}
    phones = f.categories["手机"].id
    assert set(keys(world, await search(client, category_id=phones))) == {"mate", "xiaomi"}
    assert set(keys(world, await search(client, shop_id=world.other_shop_id))) == {"xiaomi", "tea", "dress"}
    huawei, xiaomi = f.brands["华为"].id, f.brands["小米"].id
    assert set(keys(world, await search(client, brand_id=huawei))) == {"mate", "pad"}
    assert set(keys(world, await search(client, brand_id=[huawei, xiaomi]))) == {"mate", "xiaomi", "pad"}
    in_range = await search(client, price_min_fen=10_000, price_max_fen=300_000)
    assert set(keys(world, in_range)) == {"pad", "tea", "dress"}
    assert "tea" not in keys(world, await search(client, in_stock="true"))
    assert set(keys(world, await search(client, spec="颜色:白"))) == {"mate", "dress"}
    assert set(keys(world, await search(client, spec=["颜色:白", "颜色:蓝"]))) == {"mate", "dress"}
    assert keys(world, await search(client, spec=["颜色:白", "存储容量:512GB"])) == ["mate"]
    assert keys(world, await search(client, q="手机", spec="颜色：白")) == ["mate"]  # full-width colon
    assert (await search(client, q="手机", category_id="NOSUCHCATEGORY"))["items"] == []


async def test_facets_count_the_matches(client: httpx.AsyncClient, world: World) -> None:
    f = world.factory
    body = await search(client, q="手机", facets="true")
    facets = body["facets"]
    categories = {c["name"]: c["count"] for c in facets["categories"]}
    assert categories == {"数码": 3, "手机通讯": 3, "手机": 2, "手机配件": 1}
    assert {c["level"] for c in facets["categories"]} == {1, 2, 3}
    assert {b["name"]: b["count"] for b in facets["brands"]} == {"华为": 1, "小米": 1}
    assert facets["price_ranges"] == [
        {"min_fen": 0, "max_fen": 5_000, "count": 1},
        {"min_fen": 500_000, "max_fen": None, "count": 2},
    ]
    specs = {s["name"]: {v["value"]: v["count"] for v in s["values"]} for s in facets["specs"]}
    assert specs == {"颜色": {"黑": 2, "白": 1}, "存储容量": {"256GB": 1, "512GB": 2}}

    # A facet ignores its own filter (so the other choices stay visible) but not the others.
    narrowed = (await search(client, q="手机", brand_id=f.brands["华为"].id, facets="true"))["facets"]
    assert {b["name"]: b["count"] for b in narrowed["brands"]} == {"华为": 1, "小米": 1}
    assert {c["name"]: c["count"] for c in narrowed["categories"]} == {"数码": 1, "手机通讯": 1, "手机": 1}

    empty = await search(client, q="😀", facets="true")
    assert empty["items"] == [] and empty["facets"]["brands"] == []


async def test_every_facet_ignores_only_its_own_filter(client: httpx.AsyncClient, world: World) -> None:
    """Category, brand, price and spec filters at once: the one pass over the matches counts
    each facet over the products that pass every other filter."""
    f = world.factory
    body = await search(
        client,
        category_id=f.categories["数码"].id,
        brand_id=f.brands["华为"].id,
        price_min_fen=100_000,
        spec="颜色:白",
        facets="true",
    )
    assert keys(world, body) == ["mate"] and body["total"] == 1
    facets = body["facets"]
    # Not the category filter: white Huawei products from ¥1000 (the dress has no brand).
    assert {c["name"]: c["count"] for c in facets["categories"]} == {"数码": 1, "手机通讯": 1, "手机": 1}
    # Not the brand filter: white products from ¥1000 under 数码 (the Xiaomi is black only).
    assert {b["name"]: b["count"] for b in facets["brands"]} == {"华为": 1}
    assert facets["price_ranges"] == [{"min_fen": 500_000, "max_fen": None, "count": 1}]
    # Not the spec filter: Huawei products from ¥1000 under 数码, the tablet without specs.
    specs = {s["name"]: {v["value"]: v["count"] for v in s["values"]} for s in facets["specs"]}
    assert specs == {"颜色": {"黑": 1, "白": 1}, "存储容量": {"256GB": 1, "512GB": 1}}

    # Spec values come most common first (then by name and value), grouped by name.
    assert (await search(client, q="手机", facets="true"))["facets"]["specs"] == [
        {"name": "存储容量", "values": [{"value": "512GB", "count": 2}, {"value": "256GB", "count": 1}]},
        {"name": "颜色", "values": [{"value": "黑", "count": 2}, {"value": "白", "count": 1}]},
    ]


async def test_one_facet_pass_serves_every_choice_of_brands(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    f = world.factory

    async def statements(brand: str) -> tuple[int, dict[str, Any]]:
        with QueryCounter(app_ctx) as counter:
            body = await search(client, q="手机", brand_id=f.brands[brand].id, facets="true")
        return counter.count, body

    first, huawei = await statements("华为")
    second, xiaomi = await statements("小米")
    assert second < first  # the facet pass of the first answers the second
    assert keys(world, xiaomi) == ["xiaomi"] and xiaomi["total"] == 1
    assert {b["name"]: b["count"] for b in xiaomi["facets"]["brands"]} == {"华为": 1, "小米": 1}
    assert {c["name"]: c["count"] for c in xiaomi["facets"]["categories"]} == {
        "数码": 1,
        "手机通讯": 1,
        "手机": 1,
    }
    specs = {s["name"]: {v["value"]: v["count"] for v in s["values"]} for s in xiaomi["facets"]["specs"]}
    assert specs == {"颜色": {"黑": 1}, "存储容量": {"512GB": 1}}
    assert keys(world, huawei) == ["mate"] and huawei["facets"]["brands"] == xiaomi["facets"]["brands"]


async def test_no_typo_matching_when_other_products_have_the_words(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    with QueryCounter(app_ctx) as counter:
        body = await search(client, q="华为手机", brand_id=world.factory.brands["小米"].id, facets="true")
    assert body["items"] == [] and body["total"] == 0
    assert not any("<%" in statement for statement in counter.statements)  # no similar titles sought
    # The words are found, under another brand: the facets say where, not similar titles.
    assert {b["name"]: b["count"] for b in body["facets"]["brands"]} == {"华为": 1}


async def test_sorts(client: httpx.AsyncClient, world: World) -> None:
    expected = {
        "sales": ["case", "mate", "xiaomi", "pad", "tea", "dress"],
        "price_asc": ["case", "tea", "dress", "pad", "mate", "xiaomi"],
        "price_desc": ["xiaomi", "mate", "pad", "dress", "tea", "case"],
        "newest": ["dress", "tea", "pad", "case", "xiaomi", "mate"],
        "rating": ["pad", "mate", "xiaomi", "case", "tea", "dress"],
    }
    for sort, order in expected.items():
        assert keys(world, await search(client, sort=sort)) == order, sort
    phones = {k: v for k, v in expected.items()}
    for sort, order in phones.items():
        wanted = [k for k in order if k in ("mate", "xiaomi", "case")]
        assert keys(world, await search(client, q="shouji", sort=sort)) == wanted, sort


async def test_relevance_blends_text_with_sales_and_rating(client: httpx.AsyncClient, world: World) -> None:
    # Without words, relevance is popularity: 1 + 0.25·log10(1 + sales) + 0.1·rating.
    assert keys(world, await search(client))[:2] == ["case", "mate"]
    # A title match outweighs a body match: 华为 is in the Mate's title and only the Pad's too,
    # but 平板 is in the Pad's title alone.
    assert keys(world, await search(client, q="华为 平板")) == ["pad"]
    ranked = keys(world, await search(client, q="华为"))
    assert set(ranked) == {"mate", "case", "pad"}


async def test_title_words_outrank_popularity(client: httpx.AsyncClient, world: World) -> None:
    # Best-selling earphones filed under 手机配件 match 手机 through their category's name only;
    # the less popular phone holds the word in its title and comes first.
    earphones = await world.factory.product(
        world.shop_id, "华为 FreeBuds 蓝牙耳机 主动降噪", "手机配件", brand="华为", sales=100_000, rating=5.0
    )
    await world.factory.index()
    for q in ("手机", "华为手机"):
        found = [item["id"] for item in (await search(client, q=q))["items"]]
        assert earphones in found, q
        assert found.index(world.id("mate")) < found.index(earphones), q


async def test_total_counts_the_matches(client: httpx.AsyncClient, world: World) -> None:
    body = await search(client, q="手机", limit=1)
    assert (body["total"], body["total_is_exact"]) == (3, True)
    assert len(body["items"]) == 1
    following = await search(client, q="手机", limit=1, cursor=body["next_cursor"])
    assert following["total"] == 3  # every page says the same
    assert (await search(client))["total"] == len(VISIBLE)
    assert (await search(client, q="手机", brand_id=world.factory.brands["华为"].id))["total"] == 1
    faceted = await search(client, q="手机", facets="true", price_min_fen=10_000)
    roots = {c["name"]: c["count"] for c in faceted["facets"]["categories"] if c["level"] == 1}
    assert faceted["total"] == 2 and roots == {"数码": 2}
    assert (await search(client, q="😀"))["total"] == 0


async def test_cursor_paging_visits_every_product_once(client: httpx.AsyncClient, world: World) -> None:
    for sort in ("relevance", "sales", "price_asc", "price_desc", "newest", "rating"):
        for q in (None, "华为"):
            params: dict[str, Any] = {"sort": sort, "limit": 2}
            if q:
                params["q"] = q
            seen: list[str] = []
            cursor = None
            for _ in range(10):
                body = await search(client, **params, **({"cursor": cursor} if cursor else {}))
                seen.extend(item["id"] for item in body["items"])
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            expected = await search(client, **{**params, "limit": 100})
            assert seen == [item["id"] for item in expected["items"]], (sort, q)
            assert len(seen) == len(set(seen))


async def test_buyers_never_see_drafts_off_shelf_or_suspended_shops(
    client: httpx.AsyncClient, world: World, admin: Account
) -> None:
    everything = keys(world, await search(client, limit=100))
    assert sorted(everything) == sorted(VISIBLE)
    assert set(keys(world, await search(client, q="华为", limit=100))) == {"mate", "case", "pad"}
    body = await search(client, shop_id=world.suspended_shop_id)
    assert body["items"] == []

    reinstated = await client.post(
        f"{API}/admin/shops/{world.suspended_shop_id}/reinstate", headers=admin.headers
    )
    assert reinstated.status_code == 200
    await world.factory.index()
    assert keys(world, await search(client, shop_id=world.suspended_shop_id)) == ["suspended"]

    suspended = await client.post(
        f"{API}/admin/shops/{world.shop_id}/suspend", headers=admin.headers, json={"reason": "违规"}
    )
    assert suspended.status_code == 200
    await world.factory.index()
    assert set(keys(world, await search(client, limit=100))) == {"xiaomi", "tea", "dress", "suspended"}


async def test_taking_a_product_off_the_shelf_hides_it(client: httpx.AsyncClient, world: World) -> None:
    await world.factory.change(world.id("mate"), status="off_shelf")
    await world.factory.index()
    assert "mate" not in keys(world, await search(client, q="华为"))
    await world.factory.change(world.id("draft"), status="on_sale")
    await world.factory.index()
    assert "draft" in keys(world, await search(client, q="草稿"))


async def test_operator_characters_and_emoji_give_sane_answers(
    client: httpx.AsyncClient, world: World
) -> None:
    for q in [
        '"',
        "'",
        "*",
        ":",
        "(",
        ")",
        "OR",
        "NEAR",
        "-",
        "AND",
        "NOT",
        "^",
        "{title}:x",
        '华为" OR "1"="1',
        "手机*",
        "(手机",
        "手机 -华为",
        "NEAR(华为 手机)",
        "title_tokens:华为",
        "😀",
        "📱手机📱",
        "華為",
        "かわいい",
        "Смартфон",
        "١٢٣",
        "\u200b",
        "   ",
        "%",
        "_",
        "\\",
    ]:
        response = await client.get(f"{API}/products", params={"q": q, "facets": "true"})
        assert response.status_code == 200, (q, response.text)
    assert set(keys(world, await search(client, q="📱手机📱"))) == {"mate", "xiaomi", "case"}
    assert set(keys(world, await search(client, q="手机*"))) == {"mate", "xiaomi", "case"}
    assert (await search(client, q="😀"))["items"] == []
    assert len((await search(client, q="   ", limit=100))["items"]) == len(VISIBLE)  # blank: browse


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "手" * 5000}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
        ({"sort": "cheapest"}, "sort"),
        ({"price_min_fen": -1}, "price_min_fen"),
        ({"price_max_fen": 10**30}, "price_max_fen"),
        ({"price_min_fen": 500, "price_max_fen": 100}, "price_max_fen"),
        ({"price_min_fen": "cheap"}, "price_min_fen"),
        ({"spec": "颜色"}, "spec"),
        ({"spec": ":黑"}, "spec"),
        ({"brand_id": "x" * 27}, "brand_id[0]"),
        ({"category_id": "x" * 1000}, "category_id"),
        ({"in_stock": "maybe"}, "in_stock"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get(f"{API}/products", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


def _unsigned(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


async def test_bad_cursors_are_422(client: httpx.AsyncClient, world: World) -> None:
    page = await search(client, sort="sales", limit=2)
    for cursor, sort in (
        ("garbage", "sales"),
        ("eyJ4IjoxfQ", "sales"),  # {"x":1}
        (page["next_cursor"], "price_asc"),  # another sort's cursor
        (page["next_cursor"], "newest"),
        (_unsigned({"s": "sales", "k": 2**40, "i": "x"}), "sales"),  # beyond the column's type
        (_unsigned({"s": "rating", "k": "NaN", "i": "x"}), "rating"),
        (_unsigned({"s": "newest", "k": "2026-01-01T00:00:00", "i": "x"}), "newest"),  # naive
        (_unsigned({"s": "relevance", "k": 1.0, "i": ["x"]}), "relevance"),
        (page["next_cursor"].replace(".", ".x", 1), "sales"),  # its signature edited
    ):
        response = await client.get(f"{API}/products", params={"sort": sort, "cursor": cursor})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_cursor"


async def test_a_typo_still_finds_something_on_postgresql(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    body = await search(client, q="华为手击")  # 机 mistyped as 击
    if app_ctx.database.dialect == "postgresql":
        assert keys(world, body)[0] == "mate"  # pg_trgm word similarity on the title
    else:
        assert body["items"] == []  # SQLite has no typo tolerance
    by_price = await search(client, q="华为手击", sort="price_asc", facets="true")
    found = keys(world, by_price)
    assert set(found) == set(keys(world, body)) and by_price["total"] == len(found)
    prices = [item["price_fen"] for item in by_price["items"]]
    assert prices == sorted(prices)
    roots = [c["count"] for c in by_price["facets"]["categories"] if c["level"] == 1]
    assert sum(roots) == len(found)  # the facets count the same similar titles
