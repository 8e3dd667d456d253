"""State changes guarded against races, with real concurrent requests.

On PostgreSQL these run truly in parallel over a connection pool; on SQLite
the writes serialise, and the same answers must still come out.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.conftest import PASSWORD, Account, register

API = "/api/v1"


async def test_one_email_registers_once(client: httpx.AsyncClient) -> None:
    async def attempt() -> int:
        response = await client.post(
            f"{API}/auth/register", json={"email": "race@example.com", "password": PASSWORD}
        )
        return response.status_code

    statuses = Counter(await asyncio.gather(*(attempt() for _ in range(8))))
    assert statuses == Counter({201: 1, 409: 7})


async def test_a_shop_is_reviewed_once(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await register(client)
    shop_id = (await client.post(f"{API}/shops", headers=owner.headers, json={"name": "抢审店"})).json()["id"]

    async def review(action: str) -> tuple[str, int]:
        body = {"reason": "并发测试"} if action == "reject" else None
        response = await client.post(
            f"{API}/admin/shops/{shop_id}/{action}", headers=admin.headers, json=body
        )
        return action, response.status_code

    results = await asyncio.gather(*(review(a) for a in ["approve", "reject"] * 5))
    winners = [action for action, status in results if status == 200]
    assert len(winners) == 1
    assert all(status == 409 for _, status in results if status != 200)
    final = (await client.get(f"{API}/shops/{shop_id}", headers=admin.headers)).json()["status"]
    assert final == {"approve": "active", "reject": "rejected"}[winners[0]]


async def test_one_live_application_per_owner_under_races(client: httpx.AsyncClient) -> None:
    owner = await register(client)

    async def apply(n: int) -> int:
        response = await client.post(f"{API}/shops", headers=owner.headers, json={"name": f"分店{n}"})
        return response.status_code

    statuses = await asyncio.gather(*(apply(n) for n in range(6)))
    assert statuses.count(201) == 1
    mine = (await client.get(f"{API}/me/shops", headers=owner.headers)).json()["items"]
    assert len(mine) == 1
