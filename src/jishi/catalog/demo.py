"""Demo catalog (演示商品): the category tree, brands and generated products.

Products are generated in bulk (executemany inserts, in batches) so that
``jishi demo --products 100000`` fits in a few minutes; every denormalised
field (price range, stock total, spec key) is computed exactly as the service
computes it for a merchant's listing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from jishi.catalog import categories
from jishi.catalog.demo_data import BRANDS, MID_BRANDS, SHOP_ROOTS, TREE, Leaf
from jishi.catalog.models import Brand, Category, Product, Sku
from jishi.catalog.service import spec_key
from jishi.core.context import AppContext
from jishi.core.ids import new_id

BATCH = 1000
MODELS = ["", "Pro", "Max", "Air", "Plus", "Lite", "SE", "Ultra", "mini", "青春版", "旗舰版", "标准版"]


@dataclass(frozen=True)
class DemoLeaf:
    id: str
    root: str
    mid: str
    leaf: Leaf


async def ensure_tree(ctx: AppContext) -> list[DemoLeaf]:
    """Create the demo category tree where it is missing; returns its leaves."""
    leaves: list[DemoLeaf] = []
    async with ctx.database.uow() as uow:
        existing = {(c.parent_id, c.name): c for c in await categories.all_categories(uow)}
    for r_index, (root, mids) in enumerate(TREE.items()):
        root_id = await _ensure_category(ctx, existing, None, root, r_index, [])
        for m_index, (mid, leaf_list) in enumerate(mids.items()):
            mid_id = await _ensure_category(ctx, existing, root_id, mid, m_index, [])
            for l_index, leaf in enumerate(leaf_list):
                template = [{"name": name, "options": values} for name, values in leaf.specs]
                leaf_id = await _ensure_category(ctx, existing, mid_id, leaf.name, l_index, template)
                leaves.append(DemoLeaf(leaf_id, root, mid, leaf))
    return leaves


async def _ensure_category(
    ctx: AppContext,
    existing: dict[tuple[str | None, str], Category],
    parent_id: str | None,
    name: str,
    sort_order: int,
    template: list[dict[str, Any]],
) -> str:
    found = existing.get((parent_id, name))
    if found is not None:
        return found.id
    async with ctx.database.uow() as uow:
        category = await categories.create_category(
            uow, name=name, parent_id=parent_id, sort_order=sort_order, spec_template=template
        )
    return category.id


async def ensure_brands(ctx: AppContext) -> dict[str, str]:
    """Brand ids by name, creating the demo brands that are missing."""
    async with ctx.database.uow() as uow:
        brands = {b.name: b.id for b in await uow.session.scalars(select(Brand))}
    all_names = [*BRANDS.values(), *MID_BRANDS.values()]
    for name in dict.fromkeys(n for names in all_names for n in names):
        if name not in brands:
            async with ctx.database.uow() as uow:
                brand = await categories.create_brand(uow, name=name, name_en="", description="")
            brands[name] = brand.id
    return brands


async def product_count(ctx: AppContext, shop_ids: list[str]) -> int:
    async with ctx.database.uow() as uow:
        return int(
            await uow.session.scalar(select(func.count(Product.id)).where(Product.shop_id.in_(shop_ids))) or 0
        )


async def generate_products(
    ctx: AppContext,
    shops: dict[str, str],
    leaves: list[DemoLeaf],
    brands: dict[str, str],
    count: int,
    *,
    seed: int = 20261125,
    advance: Callable[[int], None] = lambda n: None,
) -> list[tuple[str, str, str]]:
    """Insert ``count`` on-sale products for the demo shops; returns (id, shop id, leaf id) of each."""
    rng = random.Random(seed + await product_count(ctx, list(shops.values())))
    by_root: dict[str, list[DemoLeaf]] = {}
    for leaf in leaves:
        by_root.setdefault(leaf.root, []).append(leaf)
    sellers = [(shops[name], roots) for name, roots in SHOP_ROOTS.items() if name in shops]
    now = ctx.clock.now()
    created: list[tuple[str, str, str]] = []  # (product id, shop id, leaf category id)
    while len(created) < count:
        products: list[dict[str, Any]] = []
        skus: list[dict[str, Any]] = []
        for _ in range(min(BATCH, count - len(created))):
            shop_id, roots = rng.choice(sellers)
            leaf = rng.choice(by_root[rng.choice(roots)])
            product, product_skus = _product(
                rng, shop_id, leaf, brands, now - timedelta(minutes=rng.randint(0, 260_000))
            )
            products.append(product)
            skus.extend(product_skus)
        async with ctx.database.uow() as uow:
            await uow.session.execute(insert(Product), products)
            await uow.session.execute(insert(Sku), skus)
            await uow.commit()
        created.extend((p["id"], p["shop_id"], p["category_id"]) for p in products)
        advance(len(products))
    return created


def _product(
    rng: random.Random, shop_id: str, demo_leaf: DemoLeaf, brands: dict[str, str], created_at: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    leaf = demo_leaf.leaf
    brand = rng.choice(MID_BRANDS.get(demo_leaf.mid) or BRANDS[demo_leaf.root])
    model = f"{rng.choice('ACEGKMNRSTVXYZ')}{rng.randint(1, 99)} {rng.choice(MODELS)}".strip()
    title = f"{brand} {model} {rng.choice(leaf.nouns)} {' '.join(rng.sample(leaf.features, k=2))}"
    axes = [
        (name, rng.sample(values, k=min(len(values), rng.randint(1, 3)))) for name, values in leaf.specs[:2]
    ]
    base_yuan = rng.randint(*leaf.price_yuan) // 10 * 10 + 9
    product_id = new_id()
    combos: list[dict[str, str]] = [{}]
    for name, values in axes:
        combos = [{**c, name: v} for c in combos for v in values]
    order = [name for name, _ in axes]
    skus = []
    for index, specs in enumerate(combos):
        price_fen = (base_yuan + base_yuan * index // 10) * 100
        stock = 0 if rng.random() < 0.05 else rng.randint(1, 500)
        skus.append(
            {
                "id": new_id(),
                "product_id": product_id,
                "shop_id": shop_id,
                "specs": specs,
                "spec_key": spec_key(specs, order),
                "price_fen": price_fen,
                "market_price_fen": price_fen * 12 // 10 // 100 * 100 if rng.random() < 0.4 else None,
                "stock": stock,
                "weight_g": rng.randint(50, 5000),
                "barcode": f"69{rng.randint(10**10, 10**11 - 1)}",
                "is_enabled": True,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
    prices = [s["price_fen"] for s in skus]
    markets = [s["market_price_fen"] for s in skus if s["market_price_fen"] is not None]
    product = {
        "id": product_id,
        "shop_id": shop_id,
        "category_id": demo_leaf.id,
        "brand_id": brands.get(brand),
        "title": title[:120],
        "subtitle": f"{rng.choice(leaf.features)} · 正品保障 · 七天无理由退货",
        "description_html": f"<p>{title}</p><p>{'，'.join(leaf.features)}。</p>",
        "specs": [{"name": name, "values": values} for name, values in axes],
        "status": "on_sale",
        "price_min_fen": min(prices),
        "price_max_fen": max(prices),
        "market_price_fen": max(markets) if markets else None,
        "stock_total": sum(s["stock"] for s in skus),
        "sales_count": int(rng.paretovariate(1.3) * 8) - 8,
        "rating_avg": 0.0,
        "review_count": 0,
        "main_image_id": None,
        "published_at": created_at,
        "created_at": created_at,
        "updated_at": created_at,
    }
    return product, skus


PICTURED = 500  # products that get a generated picture; a benchmark catalog needs no more


async def picture_products(
    ctx: AppContext, leaves: list[DemoLeaf], created: list[tuple[str, str, str]]
) -> None:
    """Give the first PICTURED new products a generated main image (one design per leaf)."""
    import anyio
    from pypinyin import lazy_pinyin

    from jishi.catalog.demo_images import attach_pictures, render_leaf_pictures

    chosen = created[:PICTURED]
    needed = {leaf for _, _, leaf in chosen}
    labels = {d.id: " ".join(lazy_pinyin(d.leaf.name)).upper() for d in leaves if d.id in needed}
    pictures = await anyio.to_thread.run_sync(render_leaf_pictures, labels)
    await attach_pictures(ctx, chosen, pictures)
