"""The platform's category tree, spec templates and brands."""

from __future__ import annotations

import httpx

from tests.catalog.helpers import API, create_product, make_category, phone_body, phone_category
from tests.conftest import Account, open_shop, register


async def test_tree_of_three_levels_with_spec_templates(client: httpx.AsyncClient, admin: Account) -> None:
    leaf_id = await phone_category(client, admin)
    await make_category(client, admin, "服装", spec_template=[{"name": "尺码", "options": ["S", "M", "L"]}])
    tree = (await client.get(f"{API}/categories")).json()
    assert [n["name"] for n in tree] == ["数码", "服装"]
    phone = tree[0]["children"][0]["children"][0]
    assert phone["id"] == leaf_id and phone["level"] == 3
    assert phone["spec_template"][1] == {"name": "存储容量", "options": ["256GB", "512GB"]}

    too_deep = await client.post(
        f"{API}/admin/categories", headers=admin.headers, json={"name": "第四级", "parent_id": leaf_id}
    )
    assert too_deep.status_code == 422 and too_deep.json()["errors"][0]["field"] == "parent_id"

    detail = (await client.get(f"{API}/categories/{leaf_id}")).json()
    assert [c["name"] for c in detail["breadcrumb"]] == ["数码", "手机通讯", "手机"]


async def test_a_template_spec_given_without_options_has_none(
    client: httpx.AsyncClient, admin: Account
) -> None:
    category = await make_category(client, admin, "服装")
    updated = await client.patch(
        f"{API}/admin/categories/{category['id']}",
        headers=admin.headers,
        json={"spec_template": [{"name": "尺码"}]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["spec_template"] == [{"name": "尺码", "options": []}]
    tree = (await client.get(f"{API}/categories")).json()
    assert tree[0]["spec_template"] == [{"name": "尺码", "options": []}]


async def test_only_admins_manage_categories(client: httpx.AsyncClient) -> None:
    user = await register(client)
    response = await client.post(f"{API}/admin/categories", headers=user.headers, json={"name": "x"})
    assert response.status_code == 403


async def test_sibling_names_are_unique(client: httpx.AsyncClient, admin: Account) -> None:
    await make_category(client, admin, "家电")
    clash = await client.post(f"{API}/admin/categories", headers=admin.headers, json={"name": "家电"})
    assert clash.status_code == 409 and clash.json()["code"] == "category_name_taken"


async def test_moving_keeps_products_and_refuses_cycles_and_depth(
    client: httpx.AsyncClient, admin: Account
) -> None:
    leaf_id = await phone_category(client, admin)
    tree = (await client.get(f"{API}/categories")).json()
    digital_id, comms_id = tree[0]["id"], tree[0]["children"][0]["id"]
    other_root = await make_category(client, admin, "通讯设备")

    cycle = await client.patch(
        f"{API}/admin/categories/{digital_id}", headers=admin.headers, json={"parent_id": leaf_id}
    )
    assert cycle.status_code == 422
    deep = await client.patch(
        f"{API}/admin/categories/{comms_id}",
        headers=admin.headers,
        json={"parent_id": (await make_category(client, admin, "x", other_root["id"]))["id"]},
    )
    assert deep.status_code == 422 and deep.json()["errors"][0]["code"] == "too_deep"

    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    moved = await client.patch(
        f"{API}/admin/categories/{comms_id}", headers=admin.headers, json={"parent_id": other_root["id"]}
    )
    assert moved.status_code == 200 and moved.json()["level"] == 2
    detail = (await client.get(f"{API}/categories/{leaf_id}")).json()
    assert [c["name"] for c in detail["breadcrumb"]] == ["通讯设备", "手机通讯", "手机"]
    mine = await client.get(f"{API}/shops/{shop_id}/products/{product['id']}", headers=owner.headers)
    assert mine.json()["category_id"] == leaf_id


async def test_disabling_says_why_not_while_products_are_on_sale(
    client: httpx.AsyncClient, admin: Account
) -> None:
    leaf_id = await phone_category(client, admin)
    root_id = (await client.get(f"{API}/categories")).json()[0]["id"]
    owner, shop_id = await open_shop(client, admin)
    product = await create_product(client, owner, shop_id, phone_body(leaf_id))
    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers)

    refused = await client.patch(
        f"{API}/admin/categories/{root_id}", headers=admin.headers, json={"is_enabled": False}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "category_in_use"
    assert "1" in refused.json()["detail"]

    await client.post(f"{API}/shops/{shop_id}/products/{product['id']}/off-shelf", headers=owner.headers)
    disabled = await client.patch(
        f"{API}/admin/categories/{root_id}", headers=admin.headers, json={"is_enabled": False}
    )
    assert disabled.status_code == 200
    assert (await client.get(f"{API}/categories")).json() == []
    admin_tree = (await client.get(f"{API}/admin/categories", headers=admin.headers)).json()
    assert admin_tree[0]["children"][0]["children"][0]["is_enabled"] is False
    # no new listings in a disabled category, and the off-shelf product cannot go back on sale
    new = await client.post(
        f"{API}/shops/{shop_id}/products", headers=owner.headers, json=phone_body(leaf_id)
    )
    assert new.status_code == 422 and new.json()["errors"][0]["field"] == "category_id"
    again = await client.post(
        f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers
    )
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "category_disabled"


async def test_deleting_only_empty_categories(client: httpx.AsyncClient, admin: Account) -> None:
    root = await make_category(client, admin, "临时")
    child = await make_category(client, admin, "子类", root["id"])
    assert (
        await client.delete(f"{API}/admin/categories/{root['id']}", headers=admin.headers)
    ).status_code == 409
    assert (
        await client.delete(f"{API}/admin/categories/{child['id']}", headers=admin.headers)
    ).status_code == 204
    assert (
        await client.delete(f"{API}/admin/categories/{root['id']}", headers=admin.headers)
    ).status_code == 204


async def test_brands(client: httpx.AsyncClient, admin: Account) -> None:
    for name in ("华为", "小米", "Apple"):
        assert (
            await client.post(f"{API}/admin/brands", headers=admin.headers, json={"name": name})
        ).status_code == 201
    dup = await client.post(f"{API}/admin/brands", headers=admin.headers, json={"name": "apple"})
    assert dup.status_code == 409
    page = (await client.get(f"{API}/brands", params={"limit": 2})).json()
    rest = (await client.get(f"{API}/brands", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    xiaomi = next(b for b in page["items"] + rest["items"] if b["name"] == "小米")
    await client.patch(
        f"{API}/admin/brands/{xiaomi['id']}", headers=admin.headers, json={"is_enabled": False}
    )
    names = [b["name"] for b in (await client.get(f"{API}/brands")).json()["items"]]
    assert "小米" not in names and "华为" in names


async def test_a_spec_template_patched_without_options_stays_readable(
    client: httpx.AsyncClient, admin: Account
) -> None:
    category = await make_category(client, admin, "箱包")
    patched = await client.patch(
        f"{API}/admin/categories/{category['id']}",
        headers=admin.headers,
        json={"spec_template": [{"name": "颜色"}]},
    )
    assert patched.status_code == 200
    assert patched.json()["spec_template"] == [{"name": "颜色", "options": []}]
    tree = await client.get(f"{API}/admin/categories", headers=admin.headers)
    assert tree.status_code == 200 and tree.json()[0]["spec_template"] == [{"name": "颜色", "options": []}]
    detail = await client.get(f"{API}/categories/{category['id']}")
    assert detail.status_code == 200 and detail.json()["spec_template"][0]["options"] == []
