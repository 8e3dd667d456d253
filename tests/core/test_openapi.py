"""The OpenAPI document says what the server does, so clients generated from it work."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from jishi.core.context import AppContext
from tests.conftest import Account, register

API = "/api/v1"


@pytest.fixture
def document(app_ctx: AppContext) -> dict[str, Any]:
    return dict(app_ctx.app.openapi())  # type: ignore[attr-defined]


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(document["components"]["schemas"][name])


async def test_errors_are_declared_as_problem_details(
    document: dict[str, Any], client: httpx.AsyncClient
) -> None:
    create_shop = document["paths"][f"{API}/shops"]["post"]["responses"]
    for status in ("4XX", "422"):
        content = create_shop[status]["content"]
        assert list(content) == ["application/problem+json"]
        assert content["application/problem+json"]["schema"]["$ref"].endswith("/ProblemDetails")
    assert "HTTPValidationError" not in document["components"]["schemas"]
    declared = _schema(document, "ProblemDetails")
    answered = await client.post(f"{API}/auth/register", json={"email": "x", "password": "short"})
    assert answered.status_code == 422
    assert set(declared["required"]) <= set(answered.json())
    assert set(answered.json()) <= set(declared["properties"])
    field = _schema(document, "ProblemFieldError")
    assert set(answered.json()["errors"][0]) == set(field["properties"])


async def test_blank_text_is_declared_refused(document: dict[str, Any], client: httpx.AsyncClient) -> None:
    pattern = _schema(document, "ShopApplyIn")["properties"]["name"]["pattern"]
    owner = await register(client)
    for blank in ("   ", "\u3000", "a\u0000b"):
        assert not re.search(pattern, blank)
        refused = await client.post(f"{API}/shops", headers=owner.headers, json={"name": blank})
        assert refused.status_code == 422, blank
    assert re.search(pattern, " 小店 ")


async def test_the_phone_format_is_declared_and_enforced_alike(
    document: dict[str, Any], client: httpx.AsyncClient
) -> None:
    pattern = _schema(document, "AddressIn")["properties"]["phone"]["pattern"]
    buyer = await register(client)
    cases = {
        "13800138000": True,
        "138-0013-8000": True,
        "+86 571 8888 1234": True,
        "13800138000\n": False,  # Python's $ would let the newline through
        "1３800138000": False,  # a full-width digit is a digit to Python's \d
        "call me": False,
    }
    for phone, valid in cases.items():
        assert bool(re.fullmatch(pattern, phone)) is valid, phone  # $ as JSON Schema reads it
        answer = await _add_address(client, buyer, phone)
        assert (answer.status_code == 201) is valid, (phone, answer.text)


async def _add_address(client: httpx.AsyncClient, buyer: Account, phone: str) -> httpx.Response:
    body = {"recipient": "张三", "phone": phone, "province": "浙江省", "city": "杭州市"}
    body |= {"district": "西湖区", "detail": "文三路 100 号"}
    return await client.post(f"{API}/me/addresses", headers=buyer.headers, json=body)


async def test_nul_characters_are_declared_refused_in_every_input(document: dict[str, Any]) -> None:
    shop_id = next(p for p in document["paths"][f"{API}/shops/{{shop_id}}"]["get"]["parameters"])
    assert shop_id["schema"]["pattern"] == r"^[^\u0000]*$"
    description = _schema(document, "ShopApplyIn")["properties"]["description"]
    assert not re.search(description["pattern"], "a\u0000") and re.search(description["pattern"], "")


async def test_the_cursor_alphabet_is_declared(document: dict[str, Any], client: httpx.AsyncClient) -> None:
    parameters = document["paths"][f"{API}/shops"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert cursor["schema"]["pattern"] == "^[A-Za-z0-9_-]+$"
    refused = await client.get(f"{API}/shops", params={"cursor": "not a cursor!"})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_cursor"


async def test_money_and_stock_take_whole_numbers_only(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await register(client)
    shop = await client.post(f"{API}/shops", headers=owner.headers, json={"name": "整数店"})
    assert shop.status_code == 201
    await client.post(f"{API}/admin/shops/{shop.json()['id']}/approve", headers=admin.headers)
    for fee in (100.0, "100"):
        refused = await client.patch(
            f"{API}/shops/{shop.json()['id']}", headers=owner.headers, json={"shipping_fee_fen": fee}
        )
        assert refused.status_code == 422, fee
        assert refused.json()["errors"][0]["field"] == "shipping_fee_fen"


async def test_checkout_takes_items_or_cart_item_ids(document: dict[str, Any]) -> None:
    one_of = _schema(document, "CheckoutIn")["oneOf"]
    assert sorted(branch["required"][0] for branch in one_of) == ["cart_item_ids", "items"]


async def test_guest_routes_declare_optional_sign_in(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for path, method in (
        ("/cart", "get"),
        ("/cart/items", "post"),
        ("/cart/selection", "post"),
        ("/shops/{shop_id}", "get"),
    ):
        assert paths[f"{API}{path}"][method]["security"] == [{}, {"HTTPBearer": []}], path
    assert paths[f"{API}/me"]["get"]["security"] == [{"HTTPBearer": []}]
    assert paths[f"{API}/orders"]["post"]["security"] == [{"HTTPBearer": []}]


async def test_a_wrong_method_answers_405_with_allow(client: httpx.AsyncClient) -> None:
    wrong = await client.delete(f"{API}/me")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, PATCH"
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["code"] == "method_not_allowed"
    unknown = await client.post(f"{API}/no-such-thing")
    assert unknown.status_code == 404 and unknown.json()["code"] == "route_not_found"
