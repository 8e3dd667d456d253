"""Masks of personal data, and who of a shop sees its people's emails in full."""

from __future__ import annotations

import httpx

from jishi.core.security import mask_email, mask_name, mask_phone
from tests.catalog.helpers import API
from tests.conftest import Account, open_shop, register


def test_masks() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_email("alice@example.com") == "a***@example.com"
    assert mask_email("a@example.com") == "a***@example.com"
    assert mask_email("no-at-sign") == "**********"
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("李") == "*"
    assert mask_name("Alice") == "A****"


async def test_staff_see_masked_emails_the_owner_full_ones(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin)
    clerk = await register(client, "clerk.wang@example.com")
    invited = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": clerk.email}
    )
    assert invited.status_code == 201, invited.text
    accepted = await client.post(f"{API}/me/invitations/{invited.json()['id']}/accept", headers=clerk.headers)
    assert accepted.status_code == 200, accepted.text

    async def emails(who: Account) -> dict[str, str]:
        response = await client.get(f"{API}/shops/{shop_id}/members", headers=who.headers)
        assert response.status_code == 200, response.text
        return {m["user_id"]: m["email"] for m in response.json()["items"]}

    assert await emails(owner) == {owner.id: owner.email, clerk.id: "clerk.wang@example.com"}
    seen_by_staff = await emails(clerk)
    assert seen_by_staff == {owner.id: mask_email(owner.email), clerk.id: "c***@example.com"}
    assert owner.email not in str(seen_by_staff)
