"""Autocomplete, hot searches, and the platform's synonym list."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.search import service
from tests.conftest import Account, register
from tests.search.conftest import API, World


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}{path}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def texts(body: dict[str, Any]) -> list[str]:
    return [item["text"] for item in body["items"]]


async def test_suggest_completes_titles_by_characters_pinyin_and_initials(
    client: httpx.AsyncClient, world: World
) -> None:
    by_characters = await get(client, "/search/suggest", q="华")
    assert "华为 Mate 70 手机" in texts(by_characters)
    assert "停业店铺的华为手机" not in texts(by_characters) and "华为 草稿手机" not in texts(by_characters)
    assert {i["kind"] for i in by_characters["items"]} == {"product"}
    assert by_characters["items"][0]["product_id"]
    assert "华为 Mate 70 手机" in texts(await get(client, "/search/suggest", q="huaw"))
    assert "武夷山大红袍岩茶 250克" in texts(await get(client, "/search/suggest", q="dahong"))
    assert "华为 MatePad Pro 平板电脑" in texts(await get(client, "/search/suggest", q="华为 pingb"))
    assert (await get(client, "/search/suggest", q="😀"))["items"] == []
    assert (await get(client, "/search/suggest", q="zzzzqqq"))["items"] == []


async def test_popular_queries_come_first_in_suggestions_and_make_hot_searches(
    client: httpx.AsyncClient, world: World, app_ctx: AppContext
) -> None:
    for q, times in (("华为手机", 3), ("手机", 2), ("茶", 1), ("没有结果的词", 4)):
        for n in range(times):
            # each count comes from another client; one client's repeats count once
            transport = httpx.ASGITransport(app=app_ctx.app, client=(f"10.0.0.{n}", 1234))  # type: ignore[attr-defined]
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
                await get(other, "/products", q=q)
                await get(other, "/products", q=q)
    hot = await get(client, "/search/hot")
    assert [(i["query"], i["count"]) for i in hot["items"]] == [("华为手机", 3), ("手机", 2), ("茶", 1)]

    await service.flush_query_log(app_ctx.database)
    suggestions = await get(client, "/search/suggest", q="huaweis")
    assert suggestions["items"][0] == {"text": "华为手机", "kind": "query", "product_id": None}
    assert texts(await get(client, "/search/suggest", q="hwsj"))[0] == "华为手机"
    assert texts(await get(client, "/search/suggest", q="手"))[0] == "手机"


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 51}, "q"), ({"q": "华", "limit": 0}, "limit")],
)
async def test_suggest_rejects_bad_input(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get(f"{API}/search/suggest", params=params)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_synonym_crud_for_platform_admins(client: httpx.AsyncClient, admin: Account) -> None:
    path = f"{API}/admin/search/synonyms"
    created = await client.post(path, headers=admin.headers, json={"terms": ["手机", " 移动电话 ", "手机"]})
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["terms"] == ["手机", "移动电话"]
    second = await client.post(path, headers=admin.headers, json={"terms": ["ＴＶ", "电视机"]})
    assert second.json()["terms"] == ["tv", "电视机"]
    twice = await client.post(path, headers=admin.headers, json={"terms": ["移动电话", "手机"]})
    assert twice.status_code == 409 and twice.json()["code"] == "synonym_group_exists"

    listed = await client.get(path, headers=admin.headers, params={"limit": 1})
    assert [g["id"] for g in listed.json()["items"]] == [second.json()["id"]]
    rest = await client.get(path, headers=admin.headers, params={"cursor": listed.json()["next_cursor"]})
    assert [g["id"] for g in rest.json()["items"]] == [group["id"]]

    replaced = await client.put(
        f"{path}/{group['id']}", headers=admin.headers, json={"terms": ["手机", "移动电话", "智能手机"]}
    )
    assert replaced.status_code == 200 and replaced.json()["terms"] == ["手机", "移动电话", "智能手机"]
    assert (await client.delete(f"{path}/{group['id']}", headers=admin.headers)).status_code == 204
    assert (await client.delete(f"{path}/{group['id']}", headers=admin.headers)).status_code == 404
    missing = await client.put(f"{path}/NOPE", headers=admin.headers, json={"terms": ["a", "b"]})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"terms": ["手机"]},
        {"terms": ["手机", "手机"]},
        {"terms": ["手机", "😀"]},
        {"terms": ["手机", "x" * 31]},
        {"terms": [f"t{n}" for n in range(21)]},
        {"terms": "手机,移动电话"},
        {"terms": ["手机", "移动电话"], "extra": 1},
    ],
)
async def test_synonym_groups_are_validated(
    client: httpx.AsyncClient, admin: Account, body: dict[str, Any]
) -> None:
    response = await client.post(f"{API}/admin/search/synonyms", headers=admin.headers, json=body)
    assert response.status_code == 422, response.text


async def test_only_platform_admins_manage_synonyms(client: httpx.AsyncClient, admin: Account) -> None:
    path = f"{API}/admin/search/synonyms"
    buyer = await register(client)
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=buyer.headers)).status_code == 403
    forbidden = await client.post(path, headers=buyer.headers, json={"terms": ["a", "b"]})
    assert forbidden.status_code == 403
