"""A small catalog for search tests: phones, tablets, tea and a dress in two shops, plus
products buyers must never see (a draft, an off-shelf product, a suspended shop's product)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from argon2 import PasswordHasher

from jishi.core import security
from jishi.core.context import AppContext
from tests.conftest import Account, open_shop
from tests.search.factories import CatalogFactory

API = "/api/v1"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search tests open many shops; their owners' passwords need no real argon2 cost."""
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class World:
    factory: CatalogFactory
    shop_id: str
    other_shop_id: str
    suspended_shop_id: str
    ids: dict[str, str] = field(default_factory=dict)

    def id(self, key: str) -> str:
        return self.ids[key]

    def key(self, product_id: str) -> str:
        return next(k for k, v in self.ids.items() if v == product_id)


async def build_world(client: httpx.AsyncClient, admin: Account, ctx: AppContext) -> World:
    _, shop_id = await open_shop(client, admin)
    _, other_shop_id = await open_shop(client, admin)
    _, suspended_shop_id = await open_shop(client, admin)
    f = CatalogFactory(ctx)
    await f.category("数码")
    await f.category("手机通讯", "数码")
    await f.category("手机", "手机通讯")
    await f.category("手机配件", "手机通讯")
    await f.category("平板电脑", "数码")
    await f.category("食品")
    await f.category("茶叶", "食品")
    await f.category("服饰")
    await f.category("连衣裙", "服饰")
    await f.brand("华为")
    await f.brand("小米")
    world = World(f, shop_id, other_shop_id, suspended_shop_id)
    phone_specs = {"颜色": ["黑", "白"], "存储容量": ["256GB", "512GB"]}
    world.ids["mate"] = await f.product(
        shop_id,
        "华为 Mate 70 手机",
        "手机",
        brand="华为",
        subtitle="鸿蒙旗舰 超可靠玄武架构",
        price_fen=549_900,
        price_max_fen=599_900,
        sales=1200,
        rating=4.8,
        specs=phone_specs,
    )
    world.ids["xiaomi"] = await f.product(
        other_shop_id,
        "小米 14 Ultra 徕卡影像手机",
        "手机",
        brand="小米",
        price_fen=599_900,
        sales=800,
        rating=4.6,
        specs={"颜色": ["黑"], "存储容量": ["512GB"]},
    )
    world.ids["case"] = await f.product(
        shop_id, "适用华为Mate70手机壳 磨砂防摔", "手机配件", price_fen=3_900, sales=5000, rating=4.2
    )
    world.ids["pad"] = await f.product(
        shop_id,
        "华为 MatePad Pro 平板电脑",
        "平板电脑",
        brand="华为",
        price_fen=299_900,
        sales=300,
        rating=4.9,
    )
    world.ids["tea"] = await f.product(
        other_shop_id, "武夷山大红袍岩茶 250克", "茶叶", price_fen=12_800, sales=50, rating=4.0, stock=0
    )
    world.ids["dress"] = await f.product(
        other_shop_id,
        "真丝连衣裙 夏季新款",
        "连衣裙",
        price_fen=45_900,
        sales=20,
        rating=0.0,
        specs={"颜色": ["白", "蓝"]},
    )
    world.ids["draft"] = await f.product(shop_id, "华为 草稿手机", "手机", status="draft")
    world.ids["off_shelf"] = await f.product(shop_id, "华为 下架手机", "手机", status="off_shelf")
    world.ids["suspended"] = await f.product(suspended_shop_id, "停业店铺的华为手机", "手机")
    suspended = await client.post(
        f"{API}/admin/shops/{suspended_shop_id}/suspend", headers=admin.headers, json={"reason": "违规"}
    )
    assert suspended.status_code == 200, suspended.text
    await f.index()
    return world


VISIBLE = ("mate", "xiaomi", "case", "pad", "tea", "dress")


@pytest.fixture
async def world(client: httpx.AsyncClient, admin: Account, app_ctx: AppContext) -> World:
    return await build_world(client, admin, app_ctx)
