"""Shop A's people get 404 on every shop-scoped route of shop B, and on their own shop's
routes when a nested id (in the path or the body) is shop B's or unknown.

The routes are read from the application's OpenAPI document, so a route added later
under ``/shops/{shop_id}/`` is covered without touching this test.
"""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image

from jishi.core.context import AppContext
from tests.catalog.helpers import create_product, phone_body, phone_category
from tests.conftest import Account, open_shop, register
from tests.shopping import new_buyer, place_order

API = "/api/v1"
# Shop pages buyers may read: B is active, so these answer 200 to anyone.
PUBLIC_SHOP_ROUTES = {("GET", "/api/v1/shops/{shop_id}")}


def shop_scoped_routes(ctx: AppContext) -> list[tuple[str, str]]:
    document = ctx.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/shops/{shop_id}")
        for method in operations
        if (method.upper(), path) not in PUBLIC_SHOP_ROUTES
    ]


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


async def test_shop_a_owner_gets_404_everywhere_in_shop_b(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    owner_a, shop_a = await open_shop(client, admin, name="A 店")
    owner_b, shop_b = await open_shop(client, admin, name="B 店")
    staff_a = await register(client, "staff.a@example.com")
    inv = (
        await client.post(
            f"{API}/shops/{shop_a}/invitations", headers=owner_a.headers, json={"email": staff_a.email}
        )
    ).json()
    await client.post(f"{API}/me/invitations/{inv['id']}/accept", headers=staff_a.headers)
    b_invitation = (
        await client.post(
            f"{API}/shops/{shop_b}/invitations",
            headers=owner_b.headers,
            json={"email": "b.helper@example.com"},
        )
    ).json()["id"]
    # Real ids from shop B, so a 404 cannot come from a made-up sub-resource.
    leaf_id = await phone_category(client, admin)
    b_product = await create_product(client, owner_b, shop_b, phone_body(leaf_id))
    b_media = await client.post(
        f"{API}/shops/{shop_b}/products/{b_product['id']}/images",
        headers=owner_b.headers,
        files={"file": ("b.png", _tiny_png(), "image/png")},
    )
    assert b_media.status_code == 201, b_media.text
    await client.post(f"{API}/shops/{shop_b}/products/{b_product['id']}/publish", headers=owner_b.headers)
    buyer, address = await new_buyer(client)
    b_order = await place_order(client, buyer, address, [(b_product["skus"][0]["id"], 1)])
    assert b_order.status_code == 201, b_order.text
    b_values = {
        "shop_id": shop_b,
        "user_id": owner_b.id,
        "invitation_id": b_invitation,
        "product_id": b_product["id"],
        "sku_id": b_product["skus"][0]["id"],
        "media_id": b_media.json()["id"],
        "order_id": b_order.json()["orders"][0]["id"],
    }

    routes = shop_scoped_routes(app_ctx)
    assert len(routes) >= 6, routes
    for outsider in (owner_a, staff_a):
        for method, path in routes:
            response = await client.request(
                method,
                fill(path, b_values),
                headers=outsider.headers,
                json={} if method in ("POST", "PATCH", "PUT") else None,
            )
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert response.json()["code"] == "not_found"

    # ... while shop B's own owner reaches the same routes (nothing was deleted by the probes)
    members = await client.get(f"{API}/shops/{shop_b}/members", headers=owner_b.headers)
    assert members.status_code == 200 and len(members.json()["items"]) == 1
    media = await client.get(
        f"{API}/shops/{shop_b}/products/{b_product['id']}/media", headers=owner_b.headers
    )
    assert media.status_code == 200 and len(media.json()["items"]) == 1


UNKNOWN_ID = "01AAAAAAAAAAAAAAAAAAAAAAAA"
# A valid body for each shop route with a nested id that takes one, so that the answer
# is about the id, not the body.
VALID_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("PATCH", "/api/v1/shops/{shop_id}/products/{product_id}"): {"subtitle": "改"},
    ("PUT", "/api/v1/shops/{shop_id}/products/{product_id}/skus"): {"skus": [{"price_fen": 100}]},
    ("PATCH", "/api/v1/shops/{shop_id}/skus/{sku_id}"): {"stock": 5},
    ("POST", "/api/v1/shops/{shop_id}/orders/{order_id}/ship"): {
        "carrier_code": "SF",
        "tracking_no": "SF1234567",
    },
    ("PATCH", "/api/v1/shops/{shop_id}/products/{product_id}/media/{media_id}"): {"position": 0},
    ("PUT", "/api/v1/shops/{shop_id}/products/{product_id}/images/order"): {"media_ids": ["{media_id}"]},
}
# Shop routes whose body carries ids of the shop's own things: each with another shop's ids.
FOREIGN_BODIES: list[tuple[str, str, dict[str, object]]] = [
    ("PUT", "/api/v1/shops/{shop_id}/products/{product_id}/images/order", {"media_ids": ["{media_id}"]}),
]
UPLOADS = {"images": ("x.png", "image/png"), "video": ("x.mp4", "video/mp4")}


def _nested_params(path: str) -> list[str]:
    return [name for name in re.findall(r"\{(\w+)\}", path) if name != "shop_id"]


def _body(template: dict[str, object], values: dict[str, str]) -> dict[str, object]:
    def filled(value: object) -> object:
        if isinstance(value, str):
            return fill(value, values)
        if isinstance(value, list):
            return [filled(v) for v in value]
        return value

    return {key: filled(value) for key, value in template.items()}


async def _shop_with_things(
    client: httpx.AsyncClient, admin: Account, name: str, leaf_id: str
) -> tuple[Account, dict[str, str]]:
    owner, shop_id = await open_shop(client, admin, name=name)
    invitation = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": f"{shop_id}@example.com"}
    )
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    media = await client.post(
        f"{API}/shops/{shop_id}/products/{product['id']}/images",
        headers=owner.headers,
        files={"file": ("p.png", _tiny_png(), "image/png")},
    )
    assert media.status_code == 201, media.text
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)
    buyer, address = await new_buyer(client)
    order = await place_order(client, buyer, address, [(product["skus"][0]["id"], 1)])
    assert order.status_code == 201, order.text
    return owner, {
        "shop_id": shop_id,
        "user_id": owner.id,
        "invitation_id": invitation.json()["id"],
        "product_id": product["id"],
        "sku_id": product["skus"][0]["id"],
        "media_id": media.json()["id"],
        "order_id": order.json()["orders"][0]["id"],
    }


async def _send(
    client: httpx.AsyncClient, owner: Account, method: str, path: str, values: dict[str, str]
) -> httpx.Response:
    url = fill(path, values)
    upload = UPLOADS.get(path.rsplit("/", 1)[-1])
    if upload is not None:
        file = (upload[0], _tiny_png() if upload[1] == "image/png" else b"", upload[1])
        return await client.request(method, url, headers=owner.headers, files={"file": file})
    template = VALID_BODIES.get((method, path))
    body = _body(template, values) if template is not None else ({} if method in ("POST", "PUT") else None)
    return await client.request(method, url, headers=owner.headers, json=body)


async def test_nested_ids_of_another_shop_or_unknown_are_404_in_ones_own_shop(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    leaf_id = await phone_category(client, admin)
    owner_a, a_values = await _shop_with_things(client, admin, "A 店", leaf_id)
    owner_b, b_values = await _shop_with_things(client, admin, "B 店", leaf_id)
    nested = [(m, p) for m, p in shop_scoped_routes(app_ctx) if _nested_params(p)]
    assert len(nested) >= 15, nested
    probes = 0
    for method, path in nested:
        for param in _nested_params(path):
            for other in (b_values[param], UNKNOWN_ID):
                values = {**a_values, param: other}
                response = await _send(client, owner_a, method, path, values)
                assert response.status_code == 404, (method, path, param, response.status_code, response.text)
                assert response.json()["code"] == "not_found"
                probes += 1
    for method, path, template in FOREIGN_BODIES:
        url = fill(path, a_values)
        for ids in (b_values, {"media_id": UNKNOWN_ID}):
            response = await client.request(method, url, headers=owner_a.headers, json=_body(template, ids))
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            probes += 1
    assert probes >= 30

    # Shop A's own ids still work on the same routes, and shop B's things are untouched.
    ledger = await client.get(
        fill("/api/v1/shops/{shop_id}/skus/{sku_id}/stock-movements", a_values), headers=owner_a.headers
    )
    assert ledger.status_code == 200 and ledger.json()["items"]
    b_media = await client.get(
        fill("/api/v1/shops/{shop_id}/products/{product_id}/media", b_values), headers=owner_b.headers
    )
    assert [m["id"] for m in b_media.json()["items"]] == [b_values["media_id"]]


@pytest.mark.parametrize("missing", ["01AAAAAAAAAAAAAAAAAAAAAAAA", "not-an-id", "x" * 300])
async def test_unknown_shop_ids_are_404(client: httpx.AsyncClient, missing: str) -> None:
    user = await register(client)
    assert (await client.get(f"{API}/shops/{missing}")).status_code == 404
    assert (await client.get(f"{API}/shops/{missing}/members", headers=user.headers)).status_code == 404
