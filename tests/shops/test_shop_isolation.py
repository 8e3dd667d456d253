"""Shop A's people get 404 on every shop-scoped route of shop B.

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


@pytest.mark.parametrize("missing", ["01AAAAAAAAAAAAAAAAAAAAAAAA", "not-an-id", "x" * 300])
async def test_unknown_shop_ids_are_404(client: httpx.AsyncClient, missing: str) -> None:
    user = await register(client)
    assert (await client.get(f"{API}/shops/{missing}")).status_code == 404
    assert (await client.get(f"{API}/shops/{missing}/members", headers=user.headers)).status_code == 404
