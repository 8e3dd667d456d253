"""Business rules of the catalog: the category tree, brands, products and SKUs."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Select, select

from jishi.catalog.categories import brand_key
from jishi.catalog.events import CategoryChanged, ProductChanged
from jishi.catalog.html import sanitize_description
from jishi.catalog.importing import ParsedImport
from jishi.catalog.importing import ProductDraft as ImportDraft
from jishi.catalog.models import Brand, Category, Product, ProductMedia, Sku
from jishi.core.cache import stamped, unstamped
from jishi.core.context import AppContext
from jishi.core.db import Database, UnitOfWork, any_of
from jishi.core.errors import AppError, FieldError, NotFound, invalid_field
from jishi.core.pagination import CursorCodec, CursorId, CursorInt, CursorPosition
from jishi.core.security import Keyring
from jishi.core.sqljson import SqlJson
from jishi.inventory import service as inventory

# ---- what other packages read (search indexing, media) ------------------------------------


@dataclass(frozen=True)
class ProductSearchSource:
    """Everything the search index needs to know about one product."""

    product_id: str
    shop_id: str
    shop_active: bool
    status: str
    title: str
    subtitle: str
    brand_id: str | None
    brand_name: str
    category_id: str
    category_path: str  # "/root/child/leaf/" of ids, for "category including descendants"
    category_names: list[str]  # names from root to leaf
    price_min_fen: int
    price_max_fen: int
    stock_total: int
    sales_count: int
    rating_avg: float
    spec_values: dict[str, list[str]] = field(default_factory=dict)  # {"颜色": ["黑", "白"]}
    published_at: object = None
    created_at: object = None


async def get_shop_product(uow: UnitOfWork, shop_id: str, product_id: str) -> Product:
    """A product of the given shop; another shop's product is 404."""
    product = await uow.session.get(Product, product_id)
    if product is None or product.shop_id != shop_id:
        raise NotFound()
    return product


async def search_sources(uow: UnitOfWork, product_ids: list[str]) -> list[ProductSearchSource]:
    """Search sources for the given products (missing ids are skipped), in three queries."""
    from jishi.shops import service as shops

    if not product_ids:
        return []
    products = list(await uow.session.scalars(select(Product).where(Product.id.in_(product_ids))))
    category_ids = {p.category_id for p in products}
    categories = {c.id: c for c in await uow.session.scalars(select(Category))} if category_ids else {}
    brand_ids = {p.brand_id for p in products if p.brand_id}
    brands = (
        {b.id: b for b in await uow.session.scalars(select(Brand).where(Brand.id.in_(brand_ids)))}
        if brand_ids
        else {}
    )
    active_shops = await shops.active_shop_ids(uow, {p.shop_id for p in products})
    sources = []
    for p in products:
        category = categories.get(p.category_id)
        path = category.path if category else "/"
        names = [categories[c].name for c in path.strip("/").split("/") if c in categories]
        sources.append(
            ProductSearchSource(
                product_id=p.id,
                shop_id=p.shop_id,
                shop_active=p.shop_id in active_shops,
                status=p.status,
                title=p.title,
                subtitle=p.subtitle,
                brand_id=p.brand_id,
                brand_name=brands[p.brand_id].name if p.brand_id in brands else "",
                category_id=p.category_id,
                category_path=path,
                category_names=names,
                price_min_fen=p.price_min_fen,
                price_max_fen=p.price_max_fen,
                stock_total=p.stock_total,
                sales_count=p.sales_count,
                rating_avg=p.rating_avg,
                spec_values={s["name"]: list(s.get("values", [])) for s in p.specs},
                published_at=p.published_at,
                created_at=p.created_at,
            )
        )
    return sources


async def product_ids_page(uow: UnitOfWork, *, after: str | None, limit: int) -> list[str]:
    """All product ids in id order, a page at a time (for rebuilding the search index)."""
    query = select(Product.id).order_by(Product.id).limit(limit)
    if after is not None:
        query = query.where(Product.id > after)
    return list(await uow.session.scalars(query))


async def product_ids_of_shop(uow: UnitOfWork, shop_id: str) -> list[str]:
    """Every product id of a shop (to re-index them when the shop is suspended or reinstated)."""
    return list(await uow.session.scalars(select(Product.id).where(Product.shop_id == shop_id)))


# ---- products and SKUs (商品与 SKU) --------------------------------------------------------

DETAIL_CACHE_TTL = 1.0  # seconds: availability must never be staler than this


def detail_cache_key(product_id: str) -> str:
    return f"catalog:product:{product_id}"


@dataclass(frozen=True)
class SkuDraft:
    specs: dict[str, str]
    price_fen: int
    market_price_fen: int | None
    stock: int
    weight_g: int
    barcode: str | None


def spec_key(specs: dict[str, str], order: list[str]) -> str:
    return ";".join(f"{name}:{specs[name]}" for name in order)


def _sku_error(index: int, field_name: str, code: str, zh: str, en: str) -> FieldError:
    return FieldError(f"skus[{index}].{field_name}", code, zh, en)


def resolve_specs(declared: list[dict[str, Any]] | None, skus: list[SkuDraft]) -> list[dict[str, Any]]:
    """Check the SKU matrix against the declared specs (or derive the specs from the
    SKUs) and return the product's specs in display order. Every SKU must name
    exactly the product's spec names, use declared values, and be unique."""
    if declared is None:
        names: list[str] = list(skus[0].specs) if skus else []
        values: dict[str, list[str]] = {n: [] for n in names}
        for sku in skus:
            for n in names:
                v = sku.specs.get(n)
                if v is not None and v not in values[n]:
                    values[n].append(v)
        declared = [{"name": n, "values": values[n]} for n in names]
    names = [s["name"] for s in declared]
    errors: list[FieldError] = []
    if len(set(names)) != len(names):
        errors.append(FieldError("specs", "duplicate_spec", "规格名重复。", "Spec names repeat."))
    allowed = {s["name"]: set(s["values"]) for s in declared}
    seen: set[str] = set()
    for i, sku in enumerate(skus):
        if set(sku.specs) != set(names):
            errors.append(
                _sku_error(
                    i,
                    "specs",
                    "spec_names_mismatch",
                    f"须且仅须包含规格：{'、'.join(names) or '无'}。",
                    f"Must name exactly these specs: {', '.join(names) or 'none'}.",
                )
            )
            continue
        bad = [n for n in names if sku.specs[n] not in allowed[n]]
        if bad:
            errors.append(
                _sku_error(
                    i,
                    "specs",
                    "unknown_spec_value",
                    f"规格值不在「{bad[0]}」的可选值中。",
                    f"Value of '{bad[0]}' is not one of its declared values.",
                )
            )
            continue
        key = spec_key(sku.specs, names)
        if key in seen:
            errors.append(
                _sku_error(
                    i,
                    "specs",
                    "duplicate_sku",
                    "与前面的 SKU 规格重复。",
                    "Another SKU has the same spec values.",
                )
            )
        seen.add(key)
        if sku.market_price_fen is not None and sku.market_price_fen < sku.price_fen:
            errors.append(
                _sku_error(
                    i,
                    "market_price_fen",
                    "market_below_price",
                    "划线价不能低于售价。",
                    "The market price must not be below the price.",
                )
            )
    if errors:
        raise AppError("invalid_skus", field_errors=errors)
    return [{"name": s["name"], "values": list(s["values"])} for s in declared]


def _refresh_prices(product: Product, skus: list[Sku]) -> None:
    """The product's price range and market price, from its enabled SKUs (lists and search
    read them without touching SKUs). Its available total is inventory's to keep."""
    enabled = [s for s in skus if s.is_enabled]
    prices = [s.price_fen for s in enabled] or [0]
    product.price_min_fen, product.price_max_fen = min(prices), max(prices)
    markets = [s.market_price_fen for s in enabled if s.market_price_fen is not None]
    product.market_price_fen = max(markets) if markets else None


async def _reread_stock(uow: UnitOfWork, product: Product) -> list[Sku]:
    """The product's SKUs and available total after inventory wrote their counters."""
    await uow.session.refresh(product, attribute_names=["stock_total"])
    return await product_skus(uow, product.id)


async def _check_category(uow: UnitOfWork, category_id: str) -> Category:
    category = await uow.session.get(Category, category_id)
    if category is None or not category.is_enabled:
        raise invalid_field(
            "category_id", "not_found", "类目不存在或已停用。", "No such category, or it is disabled."
        )
    has_children = await uow.session.scalar(
        select(Category.id).where(Category.parent_id == category_id).limit(1)
    )
    if has_children:
        raise AppError(
            "category_not_leaf",
            field_errors=[
                FieldError("category_id", "category_not_leaf", "请选择末级类目。", "Choose a leaf category.")
            ],
        )
    return category


async def _check_brand(uow: UnitOfWork, brand_id: str | None) -> None:
    if brand_id is None:
        return
    brand = await uow.session.get(Brand, brand_id)
    if brand is None or not brand.is_enabled:
        raise invalid_field(
            "brand_id", "not_found", "品牌不存在或已停用。", "No such brand, or it is disabled."
        )


async def product_skus(uow: UnitOfWork, product_id: str) -> list[Sku]:
    """The product's SKUs as the database has them now (inventory writes their counters
    past the session)."""
    return list(
        await uow.session.scalars(
            select(Sku)
            .where(Sku.product_id == product_id)
            .order_by(Sku.created_at, Sku.id)
            .execution_options(populate_existing=True)
        )
    )


async def create_product(
    uow: UnitOfWork,
    shop_id: str,
    *,
    title: str,
    subtitle: str,
    category_id: str,
    brand_id: str | None,
    description: str,
    specs: list[dict[str, Any]] | None,
    skus: list[SkuDraft],
    actor_id: str | None = None,
) -> tuple[Product, list[Sku]]:
    await _check_category(uow, category_id)
    await _check_brand(uow, brand_id)
    resolved = resolve_specs(specs, skus)
    now = uow.now()
    product = Product(
        shop_id=shop_id,
        category_id=category_id,
        brand_id=brand_id,
        title=title,
        subtitle=subtitle,
        description_html=sanitize_description(description),
        specs=resolved,
        status="draft",
        sales_count=0,
        rating_avg=0.0,
        review_count=0,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(product)
    await uow.session.flush()
    rows = [_new_sku(product, d, resolved, now) for d in skus]
    uow.session.add_all(rows)
    await uow.session.flush()
    counts = {row.id: draft.stock for row, draft in zip(rows, skus, strict=True)}
    await inventory.count_on_hand(uow, counts, actor_id=actor_id, reason="product_created")
    rows = await _reread_stock(uow, product)
    _refresh_prices(product, rows)
    uow.publish(ProductChanged(product_id=product.id))
    await uow.commit()
    return product, rows


def _new_sku(product: Product, draft: SkuDraft, specs: list[dict[str, Any]], now: datetime) -> Sku:
    return Sku(
        product_id=product.id,
        shop_id=product.shop_id,
        specs=dict(draft.specs),
        spec_key=spec_key(draft.specs, [s["name"] for s in specs]),
        price_fen=draft.price_fen,
        market_price_fen=draft.market_price_fen,
        weight_g=draft.weight_g,
        barcode=draft.barcode,
        is_enabled=True,
        created_at=now,
        updated_at=now,
    )


async def update_product(
    uow: UnitOfWork, ctx: AppContext, product: Product, changes: dict[str, Any]
) -> Product:
    if changes.get("category_id") is not None and changes["category_id"] != product.category_id:
        await _check_category(uow, changes["category_id"])
        product.category_id = changes["category_id"]
    if changes.get("clear_brand"):
        product.brand_id = None
    elif changes.get("brand_id") is not None:
        await _check_brand(uow, changes["brand_id"])
        product.brand_id = changes["brand_id"]
    for attr in ("title", "subtitle"):
        if changes.get(attr) is not None:
            setattr(product, attr, changes[attr])
    if changes.get("description") is not None:
        product.description_html = sanitize_description(changes["description"])
    await _touch_and_commit(uow, ctx, product)
    return product


async def _touch_and_commit(uow: UnitOfWork, ctx: AppContext, product: Product) -> None:
    product.updated_at = uow.now()
    uow.publish(ProductChanged(product_id=product.id))
    await uow.commit()
    await invalidate_detail(ctx, product.id)


async def replace_skus(
    uow: UnitOfWork,
    ctx: AppContext,
    product: Product,
    specs: list[dict[str, Any]] | None,
    drafts: list[SkuDraft],
    actor_id: str | None = None,
) -> list[Sku]:
    """Replace the SKU matrix. SKUs with unchanged spec values keep their ids (so carts
    and orders that refer to them stay valid); SKUs no longer listed are disabled, not
    deleted, because orders may point at them.

    The SKU rows are written first and the product row last (inventory's recount locks it),
    the order in which checkout locks them too."""
    resolved = resolve_specs(specs, drafts)
    order = [s["name"] for s in resolved]
    existing = {s.spec_key: s for s in await product_skus(uow, product.id)}
    now = uow.now()
    counts: dict[str, int] = {}
    enabling_changed = False
    for draft in drafts:
        sku = existing.pop(spec_key(draft.specs, order), None)
        if sku is None:
            sku = _new_sku(product, draft, resolved, now)
            uow.session.add(sku)
            await uow.session.flush()
        else:
            enabling_changed |= not sku.is_enabled
            sku.price_fen, sku.market_price_fen = draft.price_fen, draft.market_price_fen
            sku.weight_g, sku.barcode, sku.is_enabled = draft.weight_g, draft.barcode, True
            sku.updated_at = now
        counts[sku.id] = draft.stock
    for sku in existing.values():  # no longer listed
        if sku.is_enabled:
            sku.is_enabled, sku.updated_at, enabling_changed = False, now, True
    await uow.session.flush()
    await inventory.count_on_hand(uow, counts, actor_id=actor_id, reason="skus_edited")
    if enabling_changed:
        await inventory.recount_products(uow, [product.id])
    rows = await _reread_stock(uow, product)
    product.specs = resolved
    _refresh_prices(product, rows)
    await _touch_and_commit(uow, ctx, product)
    return rows


async def update_sku(
    uow: UnitOfWork,
    ctx: AppContext,
    shop_id: str,
    sku_id: str,
    changes: dict[str, Any],
    actor_id: str | None = None,
) -> Sku:
    """Change a SKU's price, stock on hand (盘点, through the stock ledger) and details."""
    sku = await uow.session.get(Sku, sku_id)
    if sku is None or sku.shop_id != shop_id:
        raise NotFound()
    product = await get_shop_product(uow, shop_id, sku.product_id)
    was_enabled = sku.is_enabled
    for attr in ("price_fen", "market_price_fen", "weight_g", "barcode", "is_enabled"):
        if attr in changes and (changes[attr] is not None or attr in ("market_price_fen", "barcode")):
            setattr(sku, attr, changes[attr])
    if sku.market_price_fen is not None and sku.market_price_fen < sku.price_fen:
        raise invalid_field(
            "market_price_fen",
            "market_below_price",
            "划线价不能低于售价。",
            "The market price must not be below the price.",
        )
    sku.updated_at = uow.now()
    await uow.session.flush()
    if changes.get("stock") is not None:
        await inventory.count_on_hand(
            uow, {sku.id: changes["stock"]}, actor_id=actor_id, reason="merchant_count"
        )
    if sku.is_enabled != was_enabled:
        await inventory.recount_products(uow, [product.id])
    rows = await _reread_stock(uow, product)
    _refresh_prices(product, rows)
    await _touch_and_commit(uow, ctx, product)
    return next(row for row in rows if row.id == sku_id)


async def publish(uow: UnitOfWork, ctx: AppContext, product: Product) -> Product:
    """Put a product on sale (上架): its shop must be active, its category enabled,
    and at least one SKU enabled."""
    reasons: list[FieldError] = []
    if product.status == "on_sale":
        return product
    skus = [s for s in await product_skus(uow, product.id) if s.is_enabled]
    if not skus:
        reasons.append(FieldError("skus", "no_enabled_sku", "没有可售的 SKU。", "No SKU is enabled."))
    category = await uow.session.get(Category, product.category_id)
    if category is None or not category.is_enabled:
        reasons.append(
            FieldError("category_id", "category_disabled", "所属类目已停用。", "Its category is disabled.")
        )
    if reasons:
        raise AppError("product_not_publishable", field_errors=reasons)
    product.status = "on_sale"
    product.published_at = product.published_at or uow.now()
    await _touch_and_commit(uow, ctx, product)
    return product


async def take_off_shelf(uow: UnitOfWork, ctx: AppContext, product: Product) -> Product:
    """Take a product off sale (下架). Drafts have never been on sale: that is a conflict."""
    if product.status == "draft":
        raise AppError("invalid_state", status=product.status)
    if product.status == "off_shelf":
        return product
    product.status = "off_shelf"
    await _touch_and_commit(uow, ctx, product)
    return product


async def delete_draft(uow: UnitOfWork, ctx: AppContext, product: Product) -> None:
    """Only drafts can be deleted; a product that was ever on sale is kept for its orders."""
    from jishi.catalog import media_service  # media_service builds on this module

    if product.status != "draft" or product.published_at is not None:
        raise AppError("invalid_state", status=product.status)
    media_keys = await media_service.detach_all(uow, product.id)
    await uow.session.delete(product)
    uow.publish(ProductChanged(product_id=product.id))
    await uow.commit_now()  # the files go only once their rows' deletion is committed
    await invalidate_detail(ctx, product.id)
    await media_service.delete_files(ctx.storage, media_keys)


class ProductPosition(CursorPosition):
    id: CursorId


SHOP_PRODUCTS_CURSOR = CursorCodec("shop_products", ProductPosition)


async def list_shop_products(
    uow: UnitOfWork,
    keyring: Keyring,
    shop_id: str,
    *,
    status: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Product], str | None]:
    query = select(Product).where(Product.shop_id == shop_id).order_by(Product.id.desc()).limit(limit + 1)
    if status is not None:
        query = query.where(Product.status == status)
    if q:
        query = query.where(Product.title.contains(q, autoescape=True))
    after = SHOP_PRODUCTS_CURSOR.decode(keyring, cursor)
    if after is not None:
        query = query.where(Product.id < after.id)
    products = list(await uow.session.scalars(query))
    next_cursor = None
    if len(products) > limit:
        next_cursor = SHOP_PRODUCTS_CURSOR.encode(keyring, ProductPosition(id=products[limit - 1].id))
    return products[:limit], next_cursor


async def public_detail(ctx: AppContext, product_id: str) -> bytes:
    """The buyer's product page (商品详情) as JSON bytes.

    Two cached parts: what can sell out or disappear (visibility, prices, stock) lives at
    most a second, so availability is never staler than that in any process; the
    descriptive part (title, description, media, breadcrumb) lives five minutes. A hit opens
    no database connection. Misses are read in batches, every product missed in the same
    turn of the event loop by one query whose JSON the database writes: a page without its
    descriptive part is read whole, one whose live part ran out reads only that. Only
    on-sale products of active shops exist for buyers; anything else is 404.
    """
    live = await ctx.cache.get(_LIVE.key(product_id))
    page = await ctx.cache.get(_PAGE.key(product_id))
    if page is None:
        if live is not None and unstamped(live, _LIVE.ttl)[0] == _GONE:
            raise NotFound()
        return _found(await _load(ctx, _PAGE, product_id))
    return _joined(
        await _part(ctx, _PAGE, product_id, page), _found(await _part(ctx, _LIVE, product_id, live))
    )


_GONE = b"404"
PAGE_CACHE_TTL = 300.0  # every change of the product or its media deletes it at once

PartReader = Callable[[AppContext, list[str]], Awaitable[dict[str, bytes]]]


@dataclass(frozen=True)
class _DetailPart:
    name: str
    ttl: float
    read: PartReader  # reads, caches and answers these products (``_GONE`` for the invisible)

    def key(self, product_id: str) -> str:
        return f"{detail_cache_key(product_id)}:{self.name}"


def _load(ctx: AppContext, part: _DetailPart, product_id: str) -> Awaitable[bytes]:
    return ctx.batcher.load(f"catalog:detail:{part.name}", product_id, partial(part.read, ctx))


async def _part(ctx: AppContext, part: _DetailPart, product_id: str, stored: bytes | None) -> bytes:
    """A part as cached, or read with the other products missed at the same moment. A hit
    in the second half of its life also re-reads it in the background (see
    ``core.cache.cached``)."""
    if stored is None:
        return await _load(ctx, part, product_id)
    value, due = unstamped(stored, part.ttl)
    if due:
        ctx.batcher.start(f"catalog:detail:{part.name}", product_id, partial(part.read, ctx))
    return value


def _found(value: bytes) -> bytes:
    if value == _GONE:
        raise NotFound()
    return value


def _joined(page: bytes, live: bytes) -> bytes:
    return page[:-1] + b"," + live[1:]  # one JSON object from the two


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


async def invalidate_detail(ctx: AppContext, product_id: str) -> None:
    await ctx.cache.delete(_LIVE.key(product_id), _PAGE.key(product_id))


async def _read_pages(ctx: AppContext, product_ids: list[str]) -> dict[str, bytes]:
    """Whole pages, both parts, in one query. The descriptive part of a product buyers may
    not see is not kept: it may be back on sale the next second."""
    rows = await _fetch(ctx.database, _page_statements(ctx.database.dialect)[0], product_ids)
    pages: dict[str, bytes] = {}
    lives = dict.fromkeys(product_ids, _GONE)
    for product_id, page, live, media, main_image_id in rows:
        pages[product_id] = _with_media(ctx, page, media, main_image_id)
        lives[product_id] = live.encode()
    await ctx.cache.set_many({_PAGE.key(pid): stamped(page) for pid, page in pages.items()}, _PAGE.ttl)
    await ctx.cache.set_many({_LIVE.key(pid): stamped(live) for pid, live in lives.items()}, _LIVE.ttl)
    return {pid: _joined(pages[pid], live) if pid in pages else _GONE for pid, live in lives.items()}


async def _read_live(ctx: AppContext, product_ids: list[str]) -> dict[str, bytes]:
    rows = await _fetch(ctx.database, _page_statements(ctx.database.dialect)[1], product_ids)
    answers = dict.fromkeys(product_ids, _GONE)
    answers.update((product_id, live.encode()) for product_id, live in rows)
    await ctx.cache.set_many({_LIVE.key(pid): stamped(value) for pid, value in answers.items()}, _LIVE.ttl)
    return answers


async def _fetch(database: Database, statement: Select[Any], product_ids: list[str]) -> Sequence[Any]:
    """One statement on a pooled connection. On PostgreSQL outside a transaction: a single
    statement sees one snapshot anyway, and BEGIN and ROLLBACK would cost two round trips."""
    async with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        rows: Sequence[Any] = (await connection.execute(statement, {"ids": product_ids})).all()
    return rows


def _with_media(ctx: AppContext, page: str, media: str, main_image_id: str | None) -> bytes:
    """The descriptive part with its media, whose addresses the storage backend decides."""
    from jishi.catalog import media_service

    shown = [
        {
            "id": m["id"],
            "kind": m["kind"],
            "is_main": m["id"] == main_image_id,
            "width": m["width"],
            "height": m["height"],
            "urls": media_service.media_urls(ctx.storage, m["storage_key"], m["variants"]),
        }
        for m in json.loads(media)
    ]
    return page.encode()[:-1] + b',"media":' + _dumps(shown) + b"}"


@functools.cache
def _page_statements(dialect: str) -> tuple[Select[Any], Select[Any]]:
    """(whole page, live part) of the products listed in ``ids`` that buyers may see: on
    sale, in an active shop (``shops.service.active_shop_name``, a scalar subquery). Built
    once per dialect, so each is compiled (and on PostgreSQL prepared) once."""
    from jishi.shops import service as shops

    j = SqlJson(dialect)
    products, skus, media = Product.__table__.c, Sku.__table__.c, ProductMedia.__table__.c
    leaf, parent, crumb = (Category.__table__.alias(name) for name in ("leaf", "parent", "crumb"))
    brand = Brand.__table__.alias("brand")
    shop_name = shops.active_shop_name(products.shop_id)
    live = j.object(
        {
            "status": j.text("on_sale"),
            "skus": j.array(
                j.object(
                    {
                        "id": skus.id,
                        "specs": j.stored(skus.specs),
                        "price_fen": skus.price_fen,
                        "market_price_fen": skus.market_price_fen,
                        "available": j.boolean(skus.stock - skus.reserved > 0),
                        "available_stock": skus.stock - skus.reserved,
                    }
                ),
                source=Sku.__table__,
                where=[skus.product_id == products.id, skus.is_enabled.is_(True)],
                order_by=[skus.created_at, skus.id],
            ),
            "price_fen": products.price_min_fen,
            "price_min_fen": products.price_min_fen,
            "price_max_fen": products.price_max_fen,
            "market_price_fen": products.market_price_fen,
            "sales_count": products.sales_count,
            "in_stock": j.boolean(products.stock_total > 0),
        }
    )
    page = j.object(
        {
            "id": products.id,
            "title": products.title,
            "subtitle": products.subtitle,
            "shop_id": products.shop_id,
            "shop": j.object({"id": products.shop_id, "name": shop_name}),
            "category": j.when(leaf.c.id.is_not(None), _category_json(j, leaf)),
            # The tree is three levels deep: the leaf, its parent and the parent's parent.
            "breadcrumb": j.array(
                _category_json(j, crumb),
                source=crumb,
                where=[crumb.c.id.in_([leaf.c.id, leaf.c.parent_id, parent.c.parent_id])],
                order_by=[crumb.c.level],
            ),
            "brand": j.when(
                brand.c.id.is_not(None),
                j.object(
                    {
                        "id": brand.c.id,
                        "name": brand.c.name,
                        "name_en": brand.c.name_en,
                        "description": brand.c.description,
                        "is_enabled": j.boolean(brand.c.is_enabled),
                    }
                ),
            ),
            "description": products.description_html,
            "specs": j.stored(products.specs),
            "rating_avg": products.rating_avg,
            "review_count": products.review_count,
        }
    )
    media_list = j.array(
        j.object(
            {
                "id": media.id,
                "kind": media.kind,
                "width": media.width,
                "height": media.height,
                "storage_key": media.storage_key,
                "variants": j.stored(media.variants),
            }
        ),
        source=ProductMedia.__table__,
        where=[media.product_id == products.id],
        order_by=[media.kind, media.position, media.id],
    )
    visible = [any_of(dialect, products.id, "ids"), products.status == "on_sale", shop_name.is_not(None)]
    whole = (
        select(products.id, j.as_text(page), j.as_text(live), j.as_text(media_list), products.main_image_id)
        .select_from(
            Product.__table__.outerjoin(leaf, leaf.c.id == products.category_id)
            .outerjoin(parent, parent.c.id == leaf.c.parent_id)
            .outerjoin(brand, brand.c.id == products.brand_id)
        )
        .where(*visible)
    )
    return whole, select(products.id, j.as_text(live)).where(*visible)


def _category_json(j: SqlJson, category: Any) -> Any:
    c = category.c
    return j.object(
        {
            "id": c.id,
            "name": c.name,
            "parent_id": c.parent_id,
            "level": c.level,
            "sort_order": c.sort_order,
            "is_enabled": j.boolean(c.is_enabled),
            "spec_template": j.stored(c.spec_template),
        }
    )


_LIVE = _DetailPart("live", DETAIL_CACHE_TTL, _read_live)
_PAGE = _DetailPart("page", PAGE_CACHE_TTL, _read_pages)


async def update_category(uow: UnitOfWork, category_id: str, changes: dict[str, Any]) -> Category:
    """Rename, re-template, move or enable/disable a category. A move or a state change
    re-indexes the products below it, so they stay findable under the new path."""
    from jishi.catalog import categories

    category = await categories.get_category(uow, category_id)
    if changes.get("name") is not None and changes["name"] != category.name:
        await categories.check_sibling_name(uow, category.parent_id, changes["name"], exclude_id=category.id)
        category.name = changes["name"]
    if changes.get("sort_order") is not None:
        category.sort_order = changes["sort_order"]
    if changes.get("spec_template") is not None:
        category.spec_template = changes["spec_template"]
    if changes.get("move_to_root"):
        await categories.move_category(uow, category, None)
    elif changes.get("parent_id") is not None:
        await categories.move_category(uow, category, changes["parent_id"])
    if changes.get("is_enabled") is not None:
        await categories.set_enabled(uow, category, changes["is_enabled"])
    category.updated_at = uow.now()
    uow.publish(CategoryChanged(category_id=category.id))
    affected = await uow.session.scalars(
        select(Product.id)
        .join(Category, Category.id == Product.category_id)
        .where(Category.path.startswith(category.path))
    )
    for product_id in affected:
        uow.publish(ProductChanged(product_id=product_id))
    await uow.commit()
    return category


# ---- stock alerts (库存预警) ---------------------------------------------------------------


@dataclass(frozen=True)
class LowStockLine:
    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    on_hand: int
    reserved: int
    available: int
    status: str


class LowStockPosition(CursorPosition):
    a: CursorInt  # units available
    id: CursorId


LOW_STOCK_CURSOR = CursorCodec("low_stock", LowStockPosition)


async def low_stock(
    uow: UnitOfWork, keyring: Keyring, shop_id: str, *, threshold: int, limit: int, cursor: str | None
) -> tuple[list[LowStockLine], str | None]:
    """A shop's enabled SKUs of listed products with at most ``threshold`` units available,
    fewest first (库存预警)."""
    available = (Sku.stock - Sku.reserved).label("available")
    query = (
        select(Sku.id, Sku.product_id, Product.title, Sku.specs, Sku.stock, Sku.reserved, available)
        .join(Product, Product.id == Sku.product_id)
        .add_columns(Product.status)
        .where(
            Sku.shop_id == shop_id,
            Sku.is_enabled.is_(True),
            Product.status != "draft",
            Sku.stock - Sku.reserved <= threshold,
        )
        .order_by(Sku.stock - Sku.reserved, Sku.id)
        .limit(limit + 1)
    )
    after = LOW_STOCK_CURSOR.decode(keyring, cursor)
    if after is not None:
        position = Sku.stock - Sku.reserved
        query = query.where((position > after.a) | ((position == after.a) & (Sku.id > after.id)))
    rows = (await uow.session.execute(query)).all()
    lines = [LowStockLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = LOW_STOCK_CURSOR.encode(
            keyring, LowStockPosition(a=lines[-1].available, id=lines[-1].sku_id)
        )
    return lines, next_cursor


# ---- bulk import (批量导入) --------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


async def import_products(ctx: AppContext, shop_id: str, parsed: ParsedImport, locale: str) -> ImportReport:
    """Create every product of a parsed import, each in its own transaction, so one bad
    product never blocks the rest; every problem is reported against its row."""
    report = ImportReport()

    def add_error(row: int, field_name: str, zh: str, en: str) -> None:
        report.errors.append({"row": row, "field": field_name, "message": en if locale == "en" else zh})

    for e in parsed.errors:
        add_error(e.row, e.field, e.message_zh, e.message_en)
    rows_with_errors = {e.row for e in parsed.errors}
    async with ctx.database.uow() as uow:
        categories = await _category_lookup(uow)
        enabled_brands = await uow.session.scalars(select(Brand).where(Brand.is_enabled.is_(True)))
        brands = {b.name_key: b.id for b in enabled_brands}
    for draft in parsed.products:
        if rows_with_errors.intersection(draft.rows):
            continue
        problem = _draft_problem(draft, categories, brands)
        if problem is not None:
            add_error(draft.first_row, *problem)
            continue
        sku_drafts = [
            SkuDraft(s.specs, s.price_fen, s.market_price_fen, s.stock, s.weight_g, s.barcode)
            for s in draft.skus
        ]
        try:
            async with ctx.database.uow() as uow:
                product, _ = await create_product(
                    uow,
                    shop_id,
                    title=draft.title.strip(),
                    subtitle=draft.subtitle,
                    category_id=categories[draft.category.strip("/ ")],
                    brand_id=brands.get(brand_key(draft.brand)) if draft.brand else None,
                    description=draft.description,
                    specs=None,
                    skus=sku_drafts,
                )
        except AppError as error:
            for fe in error.field_errors or [
                FieldError("row", error.code, error.detail("zh-CN"), error.detail("en"))
            ]:
                add_error(_row_of(draft, fe.field), fe.field.split(".")[-1], fe.message_zh, fe.message_en)
            continue
        report.created.append({"product_ref": draft.ref, "id": product.id, "rows": draft.rows})
    report.errors.sort(key=lambda e: e["row"])
    return report


def _draft_problem(
    draft: ImportDraft, categories: dict[str, str], brands: dict[str, str]
) -> tuple[str, str, str] | None:
    """Why a product of an import cannot be created, as (field, zh, en), or None."""
    if not draft.title.strip():
        return "title", "标题必填。", "The title is required."
    if draft.category.strip("/ ") not in categories:
        return (
            "category",
            "找不到该类目（填写类目 ID 或「一级/二级/三级」）。",
            "Unknown category (give its id or 'level1/level2/level3').",
        )
    if draft.brand and brand_key(draft.brand) not in brands:
        return "brand", "找不到该品牌。", "Unknown brand."
    return None


def _row_of(draft: ImportDraft, field_name: str) -> int:
    if field_name.startswith("skus[") and "]" in field_name:
        index = int(field_name[5 : field_name.index("]")])
        if 0 <= index < len(draft.skus):
            return draft.skus[index].row
    return draft.first_row


async def _category_lookup(uow: UnitOfWork) -> dict[str, str]:
    """Leaf categories by their name path ("数码/手机通讯/手机") and by id."""
    rows = list(await uow.session.scalars(select(Category).where(Category.is_enabled.is_(True))))
    by_id = {c.id: c for c in rows}
    lookup: dict[str, str] = {}
    for c in rows:
        names = [by_id[i].name for i in c.path.strip("/").split("/") if i in by_id]
        lookup["/".join(names)] = c.id
        lookup[c.id] = c.id
    return lookup
