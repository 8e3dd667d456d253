"""Owners invite staff; staff act for the shop but not as its owner."""

from __future__ import annotations

from datetime import timedelta

import httpx

from jishi.core.clock import FrozenClock
from tests.conftest import Account, login, open_shop, register

API = "/api/v1"


async def test_invite_accept_and_remove_staff(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin, name="小卖部")
    clerk = await register(client, "clerk@example.com")
    invited = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "Clerk@Example.com"}
    )
    assert invited.status_code == 201
    invitation = invited.json()
    assert invitation["status"] == "pending" and invitation["shop_name"] == "小卖部"

    dup = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "clerk@example.com"}
    )
    assert dup.status_code == 409 and dup.json()["code"] == "invitation_pending"

    inbox = (await client.get(f"{API}/me/invitations", headers=clerk.headers)).json()["items"]
    assert [i["id"] for i in inbox] == [invitation["id"]]
    accepted = await client.post(f"{API}/me/invitations/{invitation['id']}/accept", headers=clerk.headers)
    assert accepted.status_code == 200 and accepted.json()["role"] == "staff"
    assert "shop_staff" in (await client.get(f"{API}/me", headers=clerk.headers)).json()["roles"]

    members = (await client.get(f"{API}/shops/{shop_id}/members", headers=clerk.headers)).json()["items"]
    assert sorted(m["role"] for m in members) == ["owner", "staff"]

    # staff may read, not run the shop's people
    forbidden = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=clerk.headers, json={"email": "x@example.com"}
    )
    assert forbidden.status_code == 403
    cant_remove_owner = await client.delete(
        f"{API}/shops/{shop_id}/members/{owner.id}", headers=owner.headers
    )
    assert cant_remove_owner.status_code == 409

    removed = await client.delete(f"{API}/shops/{shop_id}/members/{clerk.id}", headers=owner.headers)
    assert removed.status_code == 204
    assert (await client.get(f"{API}/shops/{shop_id}/members", headers=clerk.headers)).status_code == 404


async def test_invitations_belong_to_their_addressee(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin)
    intruder = await register(client)
    invitation = (
        await client.post(
            f"{API}/shops/{shop_id}/invitations",
            headers=owner.headers,
            json={"email": "someone.else@example.com"},
        )
    ).json()
    taken = await client.post(f"{API}/me/invitations/{invitation['id']}/accept", headers=intruder.headers)
    assert taken.status_code == 404
    assert (await client.get(f"{API}/me/invitations", headers=intruder.headers)).json()["items"] == []


async def test_expired_and_revoked_invitations_cannot_be_used(
    client: httpx.AsyncClient, admin: Account, clock: FrozenClock
) -> None:
    owner, shop_id = await open_shop(client, admin)
    late, revoked_user = await register(client, "late@example.com"), await register(client, "rev@example.com")
    old = (
        await client.post(
            f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "late@example.com"}
        )
    ).json()
    gone = (
        await client.post(
            f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "rev@example.com"}
        )
    ).json()
    assert (
        await client.delete(f"{API}/shops/{shop_id}/invitations/{gone['id']}", headers=owner.headers)
    ).status_code == 204
    revoked = await client.post(f"{API}/me/invitations/{gone['id']}/accept", headers=revoked_user.headers)
    assert revoked.status_code == 409

    clock.advance(timedelta(days=8))
    late, owner = await login(client, late.email), await login(client, owner.email)
    expired = await client.post(f"{API}/me/invitations/{old['id']}/accept", headers=late.headers)
    assert expired.status_code == 409 and expired.json()["code"] == "invitation_expired"
    listed = (await client.get(f"{API}/shops/{shop_id}/invitations", headers=owner.headers)).json()["items"]
    assert {i["id"]: i["status"] for i in listed} == {old["id"]: "expired", gone["id"]: "revoked"}


async def test_declining_leaves_no_membership(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin)
    person = await register(client, "maybe@example.com")
    inv = (
        await client.post(
            f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "maybe@example.com"}
        )
    ).json()
    assert (
        await client.post(f"{API}/me/invitations/{inv['id']}/decline", headers=person.headers)
    ).status_code == 204
    assert (await client.get(f"{API}/me/shops", headers=person.headers)).json()["items"] == []
    again = await client.post(f"{API}/me/invitations/{inv['id']}/accept", headers=person.headers)
    assert again.status_code == 409
