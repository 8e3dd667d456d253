"""Merchants list products with SKUs; buyers see only what is on sale."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx

from jishi.catalog import service
from jishi.catalog.schemas import ProductDetailOut
from jishi.core.cache import MemoryCache
from jishi.core.context import AppContext
from jishi.core.errors import NotFound
from jishi.core.events import OutboxDispatcher
from tests.catalog.helpers import API, create_product, make_category, phone_body, phone_category
from tests.conftest import Account, QueryCounter, open_shop
from tests.shopping import list_product, new_buyer, place_order


async def test_create_publish_and_view(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin, name="华为授权店")
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    assert product["status"] == "draft"
    assert product["skus"][0]["specs"] == {"颜色": "黑", "存储容量": "256GB"}
    assert all(isinstance(s["id"], str) for s in product["skus"])
    assert (product["price_min_fen"], product["price_max_fen"], product["stock_total"]) == (
        549900,
        599900,
        13,
    )
    assert product["specs"] == [
        {"name": "颜色", "values": ["黑", "白"]},
        {"name": "存储容量", "values": ["256GB", "512GB"]},
    ]

    assert (await client.get(f"{API}/products/{product['id']}")).status_code == 404  # drafts are invisible
    published = await client.post(
        f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers
    )
    assert published.status_code == 200 and published.json()["status"] == "on_sale"

    page = await client.get(f"{API}/products/{product['id']}")
    assert page.status_code == 200
    detail = page.json()
    assert detail["shop"] == {"id": shop_id, "name": "华为授权店"}
    assert [c["name"] for c in detail["breadcrumb"]] == ["数码", "手机通讯", "手机"]
    availability = {tuple(s["specs"].values()): s["available"] for s in detail["skus"]}
    assert availability == {("黑", "256GB"): True, ("黑", "512GB"): False, ("白", "256GB"): True}
    assert detail["rating_avg"] == 0 and detail["review_count"] == 0 and detail["sales_count"] == 0


async def test_description_html_is_sanitised(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    evil = (
        '<p onclick="steal()">好<script>alert(1)</script></p><a href="javascript:alert(1)">x</a>'
        '<img src="https://img.example/a.jpg" onerror="x()"><a href="https://ok.example">ok</a>'
    )
    product = await create_product(client, owner, shop_id, phone_body(leaf_id, description=evil))
    html = product["description"]
    for bad in ("<script", "onclick", "onerror", "javascript:"):
        assert bad not in html
    assert '<img src="https://img.example/a.jpg">' in html and 'rel="noopener noreferrer nofollow"' in html


async def test_sku_matrix_errors_name_the_sku(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    body = phone_body(leaf_id)
    body["skus"][2]["specs"] = {"颜色": "黑", "存储容量": "256GB"}  # duplicate of the first
    body["skus"][1]["specs"] = {"颜色": "黑"}  # missing a spec
    response = await client.post(f"{API}/shops/{shop_id}/products", headers=owner.headers, json=body)
    assert response.status_code == 422 and response.json()["code"] == "invalid_skus"
    assert {e["field"] for e in response.json()["errors"]} == {"skus[1].specs", "skus[2].specs"}

    declared = phone_body(
        leaf_id, specs=[{"name": "颜色", "values": ["黑"]}, {"name": "存储容量", "values": ["256GB"]}]
    )
    wrong_value = await client.post(f"{API}/shops/{shop_id}/products", headers=owner.headers, json=declared)
    assert wrong_value.status_code == 422 and wrong_value.json()["errors"][0]["code"] == "unknown_spec_value"

    for field, value in (
        ("price_fen", 0),
        ("price_fen", -5),
        ("stock", -1),
        ("price_fen", 1.5),
        ("weight_g", "x"),
    ):
        bad = phone_body(leaf_id)
        bad["skus"][0][field] = value
        r = await client.post(f"{API}/shops/{shop_id}/products", headers=owner.headers, json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"skus[0].{field}", (field, value)


async def test_price_and_stock_changes(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
    sold_out = product["skus"][1]
    changed = await client.patch(
        f"{API}/shops/{shop_id}/skus/{sold_out['id']}",
        headers=owner.headers,
        json={"price_fen": 499900, "stock": 7},
    )
    assert changed.status_code == 200 and changed.json()["available"] is True
    detail = (await client.get(f"{API}/products/{product['id']}")).json()
    assert detail["price_min_fen"] == 499900
    assert next(s for s in detail["skus"] if s["id"] == sold_out["id"])["available"] is True

    below = await client.patch(
        f"{API}/shops/{shop_id}/skus/{sold_out['id']}", headers=owner.headers, json={"market_price_fen": 100}
    )
    assert below.status_code == 422


async def test_merchants_see_on_hand_and_reserved_buyers_what_is_left(
    client: httpx.AsyncClient, admin: Account
) -> None:
    """Two different counts, two names: the shop's ``stock`` is on hand (what it sets), the
    product page's ``available_stock`` is on hand minus what open orders hold."""
    listing = await list_product(client, admin, await phone_category(client, admin), stocks=(10, 5))
    buyer, address = await new_buyer(client)
    placed = await place_order(client, buyer, address, [(listing.sku_ids[0], 3)])
    assert placed.status_code == 201, placed.text

    shop_product = await client.get(
        f"{API}/shops/{listing.shop_id}/products/{listing.product_id}", headers=listing.owner.headers
    )
    counts = {s["id"]: (s["stock"], s["reserved"], s["available_stock"]) for s in shop_product.json()["skus"]}
    assert counts == {listing.sku_ids[0]: (10, 3, 7), listing.sku_ids[1]: (5, 0, 5)}
    page = (await client.get(f"{API}/products/{listing.product_id}")).json()
    assert {s["id"]: s["available_stock"] for s in page["skus"]} == {
        listing.sku_ids[0]: 7,
        listing.sku_ids[1]: 5,
    }
    assert all("stock" not in s and "reserved" not in s for s in page["skus"])
    edited = await client.patch(
        f"{API}/shops/{listing.shop_id}/skus/{listing.sku_ids[0]}",
        headers=listing.owner.headers,
        json={"stock": 4},
    )
    assert (edited.json()["stock"], edited.json()["reserved"], edited.json()["available_stock"]) == (4, 3, 1)


async def test_replacing_the_matrix_keeps_sku_ids(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    first = product["skus"][0]
    matrix = {
        "skus": [
            {"specs": {"颜色": "黑", "存储容量": "256GB"}, "price_fen": 539900, "stock": 5},
            {"specs": {"颜色": "蓝", "存储容量": "256GB"}, "price_fen": 549900, "stock": 5},
        ]
    }
    replaced = await client.put(
        f"{API}/shops/{shop_id}/products/{product['id']}/skus", headers=owner.headers, json=matrix
    )
    assert replaced.status_code == 200
    skus = {tuple(s["specs"].values()): s for s in replaced.json()["skus"]}
    assert skus[("黑", "256GB")]["id"] == first["id"] and skus[("黑", "256GB")]["price_fen"] == 539900
    assert skus[("白", "256GB")]["is_enabled"] is False  # kept for old orders, no longer sold
    assert replaced.json()["stock_total"] == 10


async def test_status_transitions(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    path = f"{API}/shops/{shop_id}/products/{product['id']}"
    assert (await client.post(f"{path}/off-shelf", headers=owner.headers)).status_code == 409
    await client.post(f"{path}/publish", headers=owner.headers)
    assert (await client.post(f"{path}/off-shelf", headers=owner.headers)).json()["status"] == "off_shelf"
    assert (await client.get(f"{API}/products/{product['id']}")).status_code == 404
    assert (await client.delete(path, headers=owner.headers)).status_code == 409  # was on sale once
    listed = (
        await client.get(
            f"{API}/shops/{shop_id}/products", params={"status": "off_shelf"}, headers=owner.headers
        )
    ).json()["items"]
    assert [p["id"] for p in listed] == [product["id"]]

    draft = await create_product(client, owner, shop_id, phone_body(leaf_id, title="草稿"))
    assert (
        await client.delete(f"{API}/shops/{shop_id}/products/{draft['id']}", headers=owner.headers)
    ).status_code == 204


async def test_suspended_shops_products_disappear(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
    assert (await client.get(f"{API}/products/{product['id']}")).status_code == 200
    await client.post(f"{API}/admin/shops/{shop_id}/suspend", headers=admin.headers, json={"reason": "售假"})
    await asyncio.sleep(service.DETAIL_CACHE_TTL + 0.05)  # the page may be cached for at most a second
    assert (await client.get(f"{API}/products/{product['id']}")).status_code == 404
    blocked = await client.post(
        f"{API}/shops/{shop_id}/products", headers=owner.headers, json=phone_body(leaf_id)
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "shop_not_active"


async def test_other_shops_products_are_404(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    owner_a, shop_a = await open_shop(client, admin)
    owner_b, shop_b = await open_shop(client, admin)
    product = await create_product(client, owner_b, shop_b, phone_body(leaf_id))
    for method, path, body in (
        ("GET", f"{API}/shops/{shop_a}/products/{product['id']}", None),
        ("PATCH", f"{API}/shops/{shop_a}/products/{product['id']}", {"title": "抢来的"}),
        ("POST", f"{API}/shops/{shop_a}/products/{product['id']}/publish", None),
        ("PATCH", f"{API}/shops/{shop_a}/skus/{product['skus'][0]['id']}", {"stock": 0}),
    ):
        response = await client.request(method, path, headers=owner_a.headers, json=body)
        assert response.status_code == 404, (method, path)


async def test_product_lists_cost_the_same_for_any_page_size(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    for n in range(8):
        await create_product(client, owner, shop_id, phone_body(leaf_id, title=f"手机 {n}"))
    counts = []
    for limit in (2, 8):
        with QueryCounter(app_ctx) as counter:
            r = await client.get(
                f"{API}/shops/{shop_id}/products", params={"limit": limit}, headers=owner.headers
            )
        assert len(r.json()["items"]) == limit
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_a_product_page_miss_costs_one_query_and_a_hit_none(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
    path = f"{API}/products/{product['id']}"
    with QueryCounter(app_ctx) as miss:
        page = await client.get(path)
    assert miss.count == 1  # availability, SKUs, shop, category path, brand and media at once
    body = page.json()
    assert ProductDetailOut.model_validate(body).model_dump(mode="json") == body  # served as cached bytes
    with QueryCounter(app_ctx) as hit:
        assert (await client.get(path)).json() == body
    assert hit.count == 0
    await app_ctx.cache.delete(f"{service.detail_cache_key(product['id'])}:live")  # as a second passes
    with QueryCounter(app_ctx) as live_only:
        assert (await client.get(path)).json() == body
    assert live_only.count == 1


async def test_the_page_the_database_writes(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    """The page's JSON, written by the database on both engines: a one-level category, no
    brand, SKUs in the order they were listed, a disabled SKU left out."""
    root = await make_category(
        client, admin, "茶叶", spec_template=[{"name": "规格", "options": ["50g", "100g"]}]
    )
    owner, shop_id = await open_shop(client, admin, name="岩茶铺")
    body = {
        "title": "大红袍 岩茶",
        "category_id": root["id"],
        "skus": [
            {"specs": {"规格": "100g"}, "price_fen": 19900, "stock": 2},
            {"specs": {"规格": "50g"}, "price_fen": 9900, "stock": 0, "market_price_fen": 12900},
        ],
    }
    product = await create_product(client, owner, shop_id, body)
    base = f"{API}/shops/{shop_id}/products/{product['id']}"
    only_50g = await client.put(f"{base}/skus", headers=owner.headers, json={"skus": body["skus"][1:]})
    assert only_50g.status_code == 200, only_50g.text
    await client.post(f"{base}/publish", headers=owner.headers)

    page = (await client.get(f"{API}/products/{product['id']}")).json()
    assert ProductDetailOut.model_validate(page).model_dump(mode="json") == page
    assert (
        page["brand"] is None
        and page["media"] == []
        and page["specs"] == [{"name": "规格", "values": ["50g"]}]
    )
    assert page["category"]["spec_template"] == [{"name": "规格", "options": ["50g", "100g"]}]
    assert [c["id"] for c in page["breadcrumb"]] == [root["id"]] and page["category"]["parent_id"] is None
    assert page["skus"] == [
        {
            "id": product["skus"][1]["id"],
            "specs": {"规格": "50g"},
            "price_fen": 9900,
            "market_price_fen": 12900,
            "available": False,
            "available_stock": 0,
        }
    ]
    assert page["in_stock"] is False and page["shop"] == {"id": shop_id, "name": "岩茶铺"}


async def test_a_page_read_while_hidden_is_back_within_a_second(
    client: httpx.AsyncClient, admin: Account
) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
    await client.post(f"{API}/admin/shops/{shop_id}/suspend", headers=admin.headers, json={"reason": "核查"})
    path = f"{API}/products/{product['id']}"
    assert (await client.get(path)).status_code == 404  # read whole while hidden: nothing of it is kept
    await client.post(f"{API}/admin/shops/{shop_id}/reinstate", headers=admin.headers)
    await asyncio.sleep(service.DETAIL_CACHE_TTL + 0.05)
    page = await client.get(path)
    assert page.status_code == 200 and page.json()["title"] == "华为 Mate 70 手机"


async def test_product_pages_missed_together_are_read_together(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    ids = []
    for n in range(4):
        product = await create_product(client, owner, shop_id, phone_body(leaf_id, title=f"手机 {n}"))
        await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
        ids.append(product["id"])
    draft = await create_product(client, owner, shop_id, phone_body(leaf_id, title="草稿"))
    # An in-process cache answers without yielding, so every page below misses in the same turn.
    ctx = dataclasses.replace(app_ctx, cache=MemoryCache())
    try:
        with QueryCounter(app_ctx) as counter:
            pages = await asyncio.gather(
                *(service.public_detail(ctx, pid) for pid in ids), return_exceptions=True
            )
            missing = await asyncio.gather(service.public_detail(ctx, draft["id"]), return_exceptions=True)
    finally:
        await ctx.outbound.aclose()
    assert [json.loads(p)["title"] for p in pages if isinstance(p, bytes)] == [f"手机 {n}" for n in range(4)]
    assert counter.count == 1 + 1  # four pages at once; then the draft's (it has none)
    assert isinstance(missing[0], NotFound)


async def test_product_page_shows_its_media_and_deleting_a_draft_removes_files(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    from tests.catalog.test_media import encode, media_files, picture

    leaf_id = await phone_category(client, admin)
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    base = f"{API}/shops/{shop_id}/products/{product['id']}"
    upload = await client.post(
        f"{base}/images",
        headers=owner.headers,
        files={"file": ("a.jpg", encode(picture(), "JPEG"), "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    await client.post(f"{base}/publish", headers=owner.headers)
    page = (await client.get(f"{API}/products/{product['id']}")).json()
    assert [(m["kind"], m["is_main"]) for m in page["media"]] == [("image", True)]
    assert set(page["media"][0]["urls"]) == {"original", "large", "medium", "thumb"}
    listed = (await client.get(f"{API}/shops/{shop_id}/products", headers=owner.headers)).json()["items"]
    assert listed[0]["image_url"] == page["media"][0]["urls"]["thumb"]
    await OutboxDispatcher(app_ctx).dispatch_pending()  # index the published product
    found = (await client.get(f"{API}/products", params={"q": "华为"})).json()["items"]
    assert [(p["id"], p["image_url"]) for p in found] == [(product["id"], page["media"][0]["urls"]["medium"])]

    draft = await create_product(client, owner, shop_id, phone_body(leaf_id, title="草稿带图"))
    draft_base = f"{API}/shops/{shop_id}/products/{draft['id']}"
    await client.post(
        f"{draft_base}/images",
        headers=owner.headers,
        files={"file": ("b.png", encode(picture(), "PNG"), "image/png")},
    )
    before = len(media_files(app_ctx))
    assert (await client.delete(draft_base, headers=owner.headers)).status_code == 204
    assert len(media_files(app_ctx)) == before - 4  # the original and its three sizes
