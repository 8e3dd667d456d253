"""Opening a shop, the platform's review, and who sees what."""

from __future__ import annotations

import httpx

from tests.conftest import Account, open_shop, register

API = "/api/v1"


async def test_apply_then_admin_approves(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await register(client)
    applied = await client.post(
        f"{API}/shops",
        headers=owner.headers,
        json={"name": "老王水果店", "description": "新鲜水果，产地直发"},
    )
    assert applied.status_code == 201
    shop = applied.json()
    assert shop["status"] == "pending" and isinstance(shop["id"], str)

    me = (await client.get(f"{API}/me", headers=owner.headers)).json()
    assert "shop_owner" in me["roles"]
    mine = (await client.get(f"{API}/me/shops", headers=owner.headers)).json()["items"]
    assert [(s["id"], s["role"], s["status"]) for s in mine] == [(shop["id"], "owner", "pending")]

    queue = (
        await client.get(f"{API}/admin/shops", params={"status": "pending"}, headers=admin.headers)
    ).json()["items"]
    assert [(s["id"], s["owner"]["email"]) for s in queue] == [(shop["id"], owner.email)]

    approved = await client.post(f"{API}/admin/shops/{shop['id']}/approve", headers=admin.headers)
    assert approved.status_code == 200
    assert approved.json()["status"] == "active" and approved.json()["approved_at"]

    public = await client.get(f"{API}/shops/{shop['id']}")
    assert public.status_code == 200 and public.json()["name"] == "老王水果店"
    listed = (await client.get(f"{API}/shops")).json()["items"]
    assert shop["id"] in [s["id"] for s in listed]


async def test_only_admins_review(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await register(client)
    shop_id = (await client.post(f"{API}/shops", headers=owner.headers, json={"name": "自批店"})).json()["id"]
    for path in ("approve", "reinstate"):
        response = await client.post(f"{API}/admin/shops/{shop_id}/{path}", headers=owner.headers)
        assert response.status_code == 403
    assert (await client.get(f"{API}/admin/shops", headers=owner.headers)).status_code == 403
    assert (await client.post(f"{API}/admin/shops/{shop_id}/approve")).status_code == 401


async def test_pending_shops_are_hidden_from_strangers(client: httpx.AsyncClient, admin: Account) -> None:
    owner, stranger = await register(client), await register(client)
    shop_id = (await client.post(f"{API}/shops", headers=owner.headers, json={"name": "未开张"})).json()["id"]
    assert (await client.get(f"{API}/shops/{shop_id}")).status_code == 404
    assert (await client.get(f"{API}/shops/{shop_id}", headers=stranger.headers)).status_code == 404
    assert (await client.get(f"{API}/shops/{shop_id}", headers=owner.headers)).status_code == 200
    assert (await client.get(f"{API}/shops/{shop_id}", headers=admin.headers)).status_code == 200
    assert shop_id not in [s["id"] for s in (await client.get(f"{API}/shops")).json()["items"]]


async def test_names_are_unique_and_one_live_application_per_owner(
    client: httpx.AsyncClient, admin: Account
) -> None:
    first, second = await register(client), await register(client)
    await client.post(f"{API}/shops", headers=first.headers, json={"name": "Tea House"})
    clash = await client.post(f"{API}/shops", headers=second.headers, json={"name": "  tea   HOUSE "})
    assert clash.status_code == 409 and clash.json()["code"] == "shop_name_taken"
    assert clash.json()["errors"][0]["field"] == "name"
    again = await client.post(f"{API}/shops", headers=first.headers, json={"name": "Another"})
    assert again.status_code == 409 and again.json()["code"] == "shop_application_exists"


async def test_rejection_gives_a_reason_and_frees_the_name(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await register(client)
    shop_id = (await client.post(f"{API}/shops", headers=owner.headers, json={"name": "山寨旗舰店"})).json()[
        "id"
    ]
    no_reason = await client.post(f"{API}/admin/shops/{shop_id}/reject", headers=admin.headers, json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = await client.post(
        f"{API}/admin/shops/{shop_id}/reject", headers=admin.headers, json={"reason": "资质材料不全"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected" and rejected.json()["status_reason"] == "资质材料不全"
    twice = await client.post(f"{API}/admin/shops/{shop_id}/approve", headers=admin.headers)
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_state"
    # the owner may apply again, even under the same name
    reapply = await client.post(f"{API}/shops", headers=owner.headers, json={"name": "山寨旗舰店"})
    assert reapply.status_code == 201


async def test_suspension_stops_staff_from_acting(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin)
    suspended = await client.post(
        f"{API}/admin/shops/{shop_id}/suspend", headers=admin.headers, json={"reason": "售假投诉"}
    )
    assert suspended.json()["status"] == "suspended"
    invite = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "helper@example.com"}
    )
    assert invite.status_code == 409 and invite.json()["code"] == "shop_not_active"
    edit = await client.patch(f"{API}/shops/{shop_id}", headers=owner.headers, json={"name": "改名"})
    assert edit.status_code == 409
    # the owner still sees the shop and why it was suspended; buyers do not
    seen = await client.get(f"{API}/shops/{shop_id}", headers=owner.headers)
    assert seen.json()["status_reason"] == "售假投诉"
    assert (await client.get(f"{API}/shops/{shop_id}")).status_code == 404

    reinstated = await client.post(f"{API}/admin/shops/{shop_id}/reinstate", headers=admin.headers)
    assert reinstated.json()["status"] == "active" and reinstated.json()["status_reason"] is None
    ok = await client.post(
        f"{API}/shops/{shop_id}/invitations", headers=owner.headers, json={"email": "helper@example.com"}
    )
    assert ok.status_code == 201


async def test_owner_edits_the_shop_profile(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin, name="旧名字")
    await open_shop(client, admin, name="别人的店")
    edited = await client.patch(
        f"{API}/shops/{shop_id}", headers=owner.headers, json={"name": "新名字", "description": "全新介绍"}
    )
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["description"]) == ("新名字", "全新介绍")
    clash = await client.patch(f"{API}/shops/{shop_id}", headers=owner.headers, json={"name": "别人的店"})
    assert clash.status_code == 409


async def test_shop_lists_page_with_cursors(client: httpx.AsyncClient, admin: Account) -> None:
    created = [(await open_shop(client, admin))[1] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/shops", params=params)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created, reverse=True)
    bad = await client.get(f"{API}/shops", params={"cursor": "%%%not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    assert (await client.get(f"{API}/shops", params={"limit": 0})).status_code == 422
    assert (await client.get(f"{API}/shops", params={"limit": 101})).status_code == 422
