"""Demo data (演示数据): an admin, approved shops with owners and staff, buyers.

Loading is idempotent: every record is looked up by its natural key first, so
running ``jishi demo`` again adds only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from jishi.accounts import service as accounts
from jishi.accounts.service import Principal
from jishi.core.context import AppContext
from jishi.shops import service as shops
from jishi.shops.models import Shop

ADMIN_EMAIL = "admin@jishi.example"
# Published demo logins, printed after `make run`; never used outside demo data.
ADMIN_PASSWORD = "jishi-ops-2026"  # noqa: S105
DEMO_PASSWORD = "jishi-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoShop:
    owner_email: str
    owner_nickname: str
    name: str
    description: str
    approved: bool = True


SHOPS = (
    DemoShop(
        "huawei.store@jishi.example",
        "华为数码专营",
        "华为数码旗舰店",
        "华为手机、平板、笔记本与智能穿戴，官方授权，全国联保。",
    ),
    DemoShop(
        "xiaomi.fans@jishi.example", "米粉之家", "小米生态优选店", "小米手机、智能家居与生活好物，一站配齐。"
    ),
    DemoShop(
        "tea.house@jishi.example",
        "茶人老陈",
        "武夷山岩茶坊",
        "产地直发大红袍、肉桂、水仙，茶农自制，坑涧好茶。",
    ),
    DemoShop(
        "fashion.li@jishi.example",
        "李小姐",
        "江南女装工作室",
        "原创设计女装，真丝、棉麻与羊绒，小批量手工制作。",
    ),
    DemoShop("books.zhang@jishi.example", "张老师", "书香文具馆", "正版图书、文具与学习用品，开学季满减。"),
    DemoShop(
        "new.seller@jishi.example",
        "新商家小王",
        "小王的零食铺",
        "各地特色零食与坚果，新鲜小包装。",
        approved=False,
    ),
)

BUYERS = (
    ("buyer@jishi.example", "小明"),
    ("buyer2@jishi.example", "小红"),
    ("buyer3@jishi.example", "阿强"),
)

STAFF = (("staff.huawei@jishi.example", "华为店客服小李", "huawei.store@jishi.example"),)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEFAULT_PRODUCTS = 500


def demo_steps() -> int:
    return 1 + len(SHOPS) + len(BUYERS) + len(STAFF)


async def demo_shop_ids(ctx: AppContext) -> dict[str, str]:
    """Active demo shops by name."""
    async with ctx.database.uow() as uow:
        rows = await uow.session.execute(
            select(Shop.name, Shop.id).where(Shop.name.in_([s.name for s in SHOPS]), Shop.status == "active")
        )
        return {name: shop_id for name, shop_id in rows}


async def load_demo_catalog(
    ctx: AppContext,
    products: int,
    advance: Callable[[int], None] = lambda n: None,
    indexed: Callable[[int], None] = lambda n: None,
) -> int:
    """Make sure the demo shops sell at least ``products`` products; returns how many were added."""
    from jishi.catalog import demo as catalog_demo
    from jishi.search.indexer import index_products

    shops = await demo_shop_ids(ctx)
    leaves = await catalog_demo.ensure_tree(ctx)
    brands = await catalog_demo.ensure_brands(ctx)
    missing = max(0, products - await catalog_demo.product_count(ctx, list(shops.values())))
    if missing:
        created = await catalog_demo.generate_products(ctx, shops, leaves, brands, missing, advance=advance)
        await catalog_demo.picture_products(ctx, leaves, created)
        ids = [product_id for product_id, _, _ in created]
        for start in range(0, len(ids), 1000):  # bulk inserts publish no events: index here
            await index_products(ctx.database, ids[start : start + 1000])
            indexed(len(ids[start : start + 1000]))
    return missing


async def load_demo(ctx: AppContext, advance: Callable[[str], None] = lambda _: None) -> list[DemoLogin]:
    logins = [DemoLogin("平台管理员 platform admin", ADMIN_EMAIL, ADMIN_PASSWORD)]
    async with ctx.database.uow() as uow:
        admin_id, _ = await accounts.ensure_admin(uow, ctx, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    admin = Principal(admin_id, "demo", frozenset({"platform_admin"}), via_cookie=False)
    advance("admin")
    for spec in SHOPS:
        owner_id = await _ensure_user(ctx, spec.owner_email, spec.owner_nickname)
        await _ensure_shop(ctx, admin, owner_id, spec)
        role = "店主 shop owner" if spec.approved else "待审核店主 applicant"
        logins.append(DemoLogin(f"{role} ({spec.name})", spec.owner_email, DEMO_PASSWORD))
        advance(spec.name)
    for email, nickname in BUYERS:
        await _ensure_user(ctx, email, nickname)
        logins.append(DemoLogin("买家 buyer", email, DEMO_PASSWORD))
        advance(email)
    for email, nickname, owner_email in STAFF:
        await _ensure_staff(ctx, email, nickname, owner_email)
        logins.append(DemoLogin("店员 shop staff", email, DEMO_PASSWORD))
        advance(email)
    return logins


async def _ensure_user(ctx: AppContext, email: str, nickname: str) -> str:
    async with ctx.database.uow() as uow:
        user_id = await accounts.find_user_id_by_email(uow, ctx, email)
        if user_id is not None:
            return user_id
        user = await accounts.create_user(uow, ctx, email=email, password=DEMO_PASSWORD, nickname=nickname)
        await uow.commit()
        return user.id


async def _ensure_shop(ctx: AppContext, admin: Principal, owner_id: str, spec: DemoShop) -> None:
    async with ctx.database.uow() as uow:
        shop = await uow.session.scalar(select(Shop).where(Shop.owner_id == owner_id))
        if shop is None:
            shop = await shops.apply(uow, owner_id, name=spec.name, description=spec.description)
        if spec.approved and shop.status == "pending":
            await shops.review(uow, admin, shop.id, "approve")


async def _ensure_staff(ctx: AppContext, email: str, nickname: str, owner_email: str) -> None:
    user_id = await _ensure_user(ctx, email, nickname)
    async with ctx.database.uow() as uow:
        owner_id = await accounts.find_user_id_by_email(uow, ctx, owner_email)
        shop = await uow.session.scalar(select(Shop).where(Shop.owner_id == owner_id))
        if shop is None or "shop_staff" in await shops.member_roles(uow, user_id):
            return
        owner = Principal(owner_id or "", "demo", frozenset(), via_cookie=False)
        membership = await shops.require_member(uow, owner, shop.id, owner=True, active=True)
        invitation = await shops.invite(uow, ctx, membership, email)
        await shops.respond_to_invitation(uow, ctx, user_id, invitation.id, accept=True)
