"""The number of SQL statements a list answers with does not grow with its length."""

from __future__ import annotations

import httpx

from jishi.core.context import AppContext
from tests.conftest import Account, QueryCounter, open_shop, register

API = "/api/v1"


async def _queries(
    ctx: AppContext, client: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int
) -> int:
    with QueryCounter(ctx) as counter:
        response = await client.get(path, params={"limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == limit
    return counter.count


async def test_shop_lists_cost_the_same_for_2_or_12_rows(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    for _ in range(12):
        await open_shop(client, admin)
    for path, headers in ((f"{API}/shops", {}), (f"{API}/admin/shops", admin.headers)):
        small = await _queries(app_ctx, client, path, headers, 2)
        large = await _queries(app_ctx, client, path, headers, 12)
        assert small == large, path


async def test_member_list_costs_the_same_for_any_size(
    client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    owner, shop_id = await open_shop(client, admin)
    path = f"{API}/shops/{shop_id}/members"
    with QueryCounter(app_ctx) as one:
        await client.get(path, headers=owner.headers)
    for n in range(6):
        staff = await register(client, f"staff{n}@example.com")
        inv = (
            await client.post(
                f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": staff.email}
            )
        ).json()
        await client.post(f"{API}/me/invitations/{inv['id']}/accept", headers=staff.headers)
    with QueryCounter(app_ctx) as seven:
        response = await client.get(path, headers=owner.headers)
    assert len(response.json()["items"]) == 7
    assert one.count == seven.count
