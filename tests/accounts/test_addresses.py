"""Delivery addresses: stored encrypted, shown masked, private to their owner."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from jishi.core.context import AppContext
from tests.conftest import register

API = "/api/v1"
HOME = {
    "recipient": "王小二",
    "phone": "13812345678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 100 号 3 幢 201",
}


async def test_add_and_list_addresses(client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    buyer = await register(client)
    created = await client.post(f"{API}/me/addresses", headers=buyer.headers, json=HOME)
    assert created.status_code == 201
    first = created.json()
    assert first["is_default"] is True  # the first address becomes the default
    assert first["phone_masked"] == "138****5678" and first["phone"] == "13812345678"

    office = {**HOME, "detail": "莫干山路 1 号", "is_default": True}
    second = (await client.post(f"{API}/me/addresses", headers=buyer.headers, json=office)).json()
    listed = (await client.get(f"{API}/me/addresses", headers=buyer.headers)).json()["items"]
    assert [(a["id"], a["is_default"]) for a in listed] == [(second["id"], True), (first["id"], False)]

    async with app_ctx.database.engine.connect() as conn:
        raw = " ".join(str(v) for row in await conn.execute(text("SELECT * FROM addresses")) for v in row)
    assert "13812345678" not in raw and "文三路" not in raw and "王小二" not in raw
    assert "浙江省" in raw  # region names stay searchable for shipping rules


async def test_addresses_are_private(client: httpx.AsyncClient) -> None:
    owner, other = await register(client), await register(client)
    address = (await client.post(f"{API}/me/addresses", headers=owner.headers, json=HOME)).json()
    assert (await client.get(f"{API}/me/addresses/{address['id']}", headers=other.headers)).status_code == 404
    assert (
        await client.delete(f"{API}/me/addresses/{address['id']}", headers=other.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/me/addresses", headers=other.headers)).json()["items"] == []
    assert (
        await client.delete(f"{API}/me/addresses/{address['id']}", headers=owner.headers)
    ).status_code == 204


async def test_bad_addresses_name_the_field(client: httpx.AsyncClient) -> None:
    buyer = await register(client)
    for field, value in (("phone", "12345"), ("recipient", ""), ("detail", "x" * 201), ("province", 5)):
        response = await client.post(
            f"{API}/me/addresses", headers=buyer.headers, json={**HOME, field: value}
        )
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field


async def test_edit_an_address(client: httpx.AsyncClient) -> None:
    buyer, other = await register(client), await register(client)
    home = (await client.post(f"{API}/me/addresses", headers=buyer.headers, json=HOME)).json()
    office = (
        await client.post(
            f"{API}/me/addresses", headers=buyer.headers, json={**HOME, "detail": "莫干山路 1 号"}
        )
    ).json()
    moved = {**HOME, "city": "宁波市", "district": "鄞州区", "detail": "天童南路 8 号", "is_default": False}
    edited = await client.put(f"{API}/me/addresses/{home['id']}", headers=buyer.headers, json=moved)
    assert edited.status_code == 200
    assert (edited.json()["city"], edited.json()["detail"], edited.json()["is_default"]) == (
        "宁波市",
        "天童南路 8 号",
        False,
    )
    promoted = await client.put(
        f"{API}/me/addresses/{office['id']}", headers=buyer.headers, json={**HOME, "is_default": True}
    )
    assert promoted.json()["is_default"] is True
    listed = (await client.get(f"{API}/me/addresses", headers=buyer.headers)).json()["items"]
    assert [a["id"] for a in listed if a["is_default"]] == [office["id"]]

    assert (
        await client.put(f"{API}/me/addresses/{home['id']}", headers=other.headers, json=HOME)
    ).status_code == 404
    bad = await client.put(
        f"{API}/me/addresses/{home['id']}", headers=buyer.headers, json={**HOME, "phone": "1"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    unchanged = (await client.get(f"{API}/me/addresses/{home['id']}", headers=buyer.headers)).json()
    assert unchanged["city"] == "宁波市"


async def test_deleting_the_default_makes_another_the_default(client: httpx.AsyncClient) -> None:
    buyer = await register(client)
    first = (await client.post(f"{API}/me/addresses", headers=buyer.headers, json=HOME)).json()
    second = (
        await client.post(f"{API}/me/addresses", headers=buyer.headers, json={**HOME, "is_default": True})
    ).json()
    await client.delete(f"{API}/me/addresses/{second['id']}", headers=buyer.headers)
    listed = (await client.get(f"{API}/me/addresses", headers=buyer.headers)).json()["items"]
    assert [(a["id"], a["is_default"]) for a in listed] == [(first["id"], True)]
