"""Building a small catalog through the API, for catalog tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account

API = "/api/v1"
PHONE_TEMPLATE = [
    {"name": "颜色", "options": ["黑", "白", "蓝"]},
    {"name": "存储容量", "options": ["256GB", "512GB"]},
]


async def make_category(
    client: httpx.AsyncClient, admin: Account, name: str, parent_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, **extra}
    if parent_id:
        body["parent_id"] = parent_id
    response = await client.post(f"{API}/admin/categories", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def phone_category(client: httpx.AsyncClient, admin: Account) -> str:
    root = await make_category(client, admin, "数码")
    mid = await make_category(client, admin, "手机通讯", root["id"])
    leaf = await make_category(client, admin, "手机", mid["id"], spec_template=PHONE_TEMPLATE)
    return str(leaf["id"])


def phone_body(category_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": "华为 Mate 70 手机",
        "subtitle": "鸿蒙旗舰",
        "category_id": category_id,
        "description": "<p>超可靠玄武架构</p>",
        "skus": [
            {"specs": {"颜色": "黑", "存储容量": "256GB"}, "price_fen": 549900, "stock": 10, "weight_g": 220},
            {"specs": {"颜色": "黑", "存储容量": "512GB"}, "price_fen": 599900, "stock": 0, "weight_g": 220},
            {
                "specs": {"颜色": "白", "存储容量": "256GB"},
                "price_fen": 549900,
                "stock": 3,
                "market_price_fen": 599900,
                "barcode": "6941487312345",
            },
        ],
        **extra,
    }


async def create_product(
    client: httpx.AsyncClient, owner: Account, shop_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(f"{API}/shops/{shop_id}/products", headers=owner.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
