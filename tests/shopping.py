"""A small market built through the API, for cart, order and inventory tests:
two active shops, each with one on-sale product of two SKUs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.catalog.helpers import API, create_product, phone_category
from tests.conftest import PASSWORD, Account, open_shop, register


@dataclass
class Listing:
    owner: Account
    shop_id: str
    product_id: str
    sku_ids: list[str]


async def list_product(
    client: httpx.AsyncClient,
    admin: Account,
    category_id: str,
    *,
    title: str = "华为 Mate 70 手机",
    prices: tuple[int, int] = (549900, 599900),
    stocks: tuple[int, int] = (10, 5),
    shop: tuple[Account, str] | None = None,
) -> Listing:
    owner, shop_id = shop or await open_shop(client, admin)
    body: dict[str, Any] = {
        "title": title,
        "category_id": category_id,
        "skus": [
            {"specs": {"颜色": "黑", "存储容量": "256GB"}, "price_fen": prices[0], "stock": stocks[0]},
            {"specs": {"颜色": "白", "存储容量": "256GB"}, "price_fen": prices[1], "stock": stocks[1]},
        ],
    }
    product = await create_product(client, owner, shop_id, body)
    published = await client.post(
        f"{API}/shops/{shop_id}/products/{product['id']}/publish", headers=owner.headers
    )
    assert published.status_code == 200, published.text
    return Listing(owner, shop_id, product["id"], [s["id"] for s in product["skus"]])


@dataclass
class Market:
    admin: Account
    category_id: str
    a: Listing
    b: Listing


async def build_market(client: httpx.AsyncClient, admin: Account) -> Market:
    category_id = await phone_category(client, admin)
    a = await list_product(client, admin, category_id)
    b = await list_product(client, admin, category_id, title="小米 15 手机", prices=(399900, 429900))
    return Market(admin, category_id, a, b)


async def add_address(client: httpx.AsyncClient, buyer: Account) -> str:
    response = await client.post(
        f"{API}/me/addresses",
        headers=buyer.headers,
        json={
            "recipient": "张三",
            "phone": "13800138000",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "detail": "文三路 100 号",
            "is_default": True,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def new_buyer(client: httpx.AsyncClient, ctx: Any = None) -> tuple[Account, str]:
    """A registered buyer with an address. With ``ctx``, signed up through the service, past
    the per-address sign-up limit (for tests with many buyers at once)."""
    buyer = await register(client) if ctx is None else await _register_directly(ctx)
    return buyer, await add_address(client, buyer)


async def _register_directly(ctx: Any) -> Account:
    from jishi.accounts import service as accounts
    from jishi.core.ids import new_id

    email = f"buyer-{new_id().lower()}@example.com"
    async with ctx.database.uow() as uow:
        tokens = await accounts.register(
            uow, ctx, email=email, password=PASSWORD, nickname=None, ip=None, user_agent="tests", client="api"
        )
    return Account(tokens.user.id, email, tokens.access_token, tokens.refresh_token)


async def place_order(
    client: httpx.AsyncClient, buyer: Account, address_id: str, items: list[tuple[str, int]], **extra: Any
) -> httpx.Response:
    body = {"address_id": address_id, "items": [{"sku_id": s, "quantity": q} for s, q in items], **extra}
    return await client.post(f"{API}/orders", headers=buyer.headers, json=body)


async def pay_in_sandbox(client: httpx.AsyncClient, ctx: Any, buyer: Account, payment_id: str) -> None:
    """Pay as a buyer would: start the sandbox payment, confirm on the gateway's page,
    and let the gateway deliver its signed notification."""
    from jishi.payments.sandbox_gateway import deliver_due_notifications

    started = await client.post(
        f"{API}/payments/{payment_id}/pay", headers=buyer.headers, json={"channel": "sandbox"}
    )
    assert started.status_code == 200, started.text
    url = started.json()["action"]["url"]
    path = url[url.index("/sandbox-gateway/") :]
    confirmed = await client.post(f"{path}/confirm", headers={"Accept": "application/json"})
    assert confirmed.status_code == 200, confirmed.text
    await deliver_due_notifications(ctx)
