"""The platform's category tree (类目) and brands (品牌): rules used by catalog.service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from jishi.catalog.events import CategoryChanged, ProductChanged
from jishi.catalog.models import MAX_CATEGORY_DEPTH, Brand, Category, Product
from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError, FieldError, NotFound, invalid_field
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition, CursorText
from jishi.core.security import Keyring

TREE_CACHE_KEY = "catalog:category-tree"


async def get_category(uow: UnitOfWork, category_id: str) -> Category:
    category = await uow.session.get(Category, category_id)
    if category is None:
        raise NotFound()
    return category


async def all_categories(uow: UnitOfWork) -> list[Category]:
    return list(await uow.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


async def create_category(
    uow: UnitOfWork, *, name: str, parent_id: str | None, sort_order: int, spec_template: list[dict[str, Any]]
) -> Category:
    level, parent_path = 1, "/"
    if parent_id is not None:
        parent = await uow.session.get(Category, parent_id)
        if parent is None:
            raise invalid_field("parent_id", "not_found", "上级类目不存在。", "No such parent category.")
        if parent.level >= MAX_CATEGORY_DEPTH:
            raise invalid_field(
                "parent_id",
                "too_deep",
                f"类目最多 {MAX_CATEGORY_DEPTH} 级。",
                f"Categories nest at most {MAX_CATEGORY_DEPTH} levels.",
            )
        level, parent_path = parent.level + 1, parent.path
    await check_sibling_name(uow, parent_id, name, exclude_id=None)
    now = uow.now()
    category = Category(
        parent_id=parent_id,
        name=name,
        level=level,
        sort_order=sort_order,
        is_enabled=True,
        spec_template=spec_template,
        created_at=now,
        updated_at=now,
        path="",
    )
    uow.session.add(category)
    await uow.session.flush()
    category.path = f"{parent_path}{category.id}/"
    uow.publish(CategoryChanged(category_id=category.id))
    await uow.commit()
    return category


async def check_sibling_name(
    uow: UnitOfWork, parent_id: str | None, name: str, exclude_id: str | None
) -> None:
    query = select(Category.id).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
        func.lower(Category.name) == name.lower(),
    )
    if exclude_id is not None:
        query = query.where(Category.id != exclude_id)
    if await uow.session.scalar(query.limit(1)):
        raise AppError(
            "category_name_taken",
            field_errors=[
                FieldError(
                    "name", "category_name_taken", "同级已有同名类目。", "A sibling category has this name."
                )
            ],
        )


async def _subtree_height(uow: UnitOfWork, category: Category) -> int:
    deepest = await uow.session.scalar(
        select(func.max(Category.level)).where(Category.path.startswith(category.path))
    )
    return int(deepest or category.level) - category.level + 1


async def live_products_under(uow: UnitOfWork, path: str) -> int:
    """On-sale products in a category and its descendants."""
    return int(
        await uow.session.scalar(
            select(func.count(Product.id))
            .join(Category, Category.id == Product.category_id)
            .where(Category.path.startswith(path), Product.status == "on_sale")
        )
        or 0
    )


async def move_category(uow: UnitOfWork, category: Category, new_parent_id: str | None) -> None:
    """Move a category with its subtree. Products keep their category, so they stay
    findable under the new place; the depth limit and cycles are refused."""
    if new_parent_id == category.parent_id:
        return
    new_parent_path, new_level = "/", 1
    if new_parent_id is not None:
        parent = await uow.session.get(Category, new_parent_id)
        if parent is None:
            raise invalid_field("parent_id", "not_found", "上级类目不存在。", "No such parent category.")
        if parent.path.startswith(category.path):
            raise invalid_field(
                "parent_id", "cycle", "不能移动到自己的下级。", "A category cannot move below itself."
            )
        new_parent_path, new_level = parent.path, parent.level + 1
    if new_level + await _subtree_height(uow, category) - 1 > MAX_CATEGORY_DEPTH:
        raise invalid_field(
            "parent_id",
            "too_deep",
            f"移动后超过 {MAX_CATEGORY_DEPTH} 级。",
            f"The move would nest deeper than {MAX_CATEGORY_DEPTH} levels.",
        )
    await check_sibling_name(uow, new_parent_id, category.name, exclude_id=category.id)
    old_path, new_path = category.path, f"{new_parent_path}{category.id}/"
    delta = new_level - category.level
    subtree = list(await uow.session.scalars(select(Category).where(Category.path.startswith(old_path))))
    for node in subtree:
        node.path = new_path + node.path[len(old_path) :]
        node.level += delta
    category.parent_id = new_parent_id


async def set_enabled(uow: UnitOfWork, category: Category, enabled: bool) -> None:
    """Disabling hides a category and its subtree from buyers and from new listings;
    it is refused while on-sale products would disappear with it."""
    if enabled == category.is_enabled:
        return
    if not enabled:
        live = await live_products_under(uow, category.path)
        if live:
            raise AppError("category_in_use", count=live)
        await uow.session.execute(
            update(Category)
            .where(Category.path.startswith(category.path))
            .values(is_enabled=False)
            .execution_options(synchronize_session="fetch")
        )
    else:
        if category.parent_id is not None:
            parent = await get_category(uow, category.parent_id)
            if not parent.is_enabled:
                raise AppError("invalid_state", status="parent disabled")
        category.is_enabled = True


async def delete_category(uow: UnitOfWork, category_id: str) -> None:
    category = await get_category(uow, category_id)
    children = await uow.session.scalar(select(func.count()).where(Category.parent_id == category_id))
    products = await uow.session.scalar(select(func.count()).where(Product.category_id == category_id))
    if children or products:
        raise AppError("category_not_empty", children=children or 0, products=products or 0)
    await uow.session.delete(category)
    uow.publish(CategoryChanged(category_id=category_id))
    await uow.commit()


def build_tree(categories: list[Category], *, include_disabled: bool) -> list[dict[str, Any]]:
    """Nest categories (already sorted) into ``[{..., "children": [...]}, ...]``."""
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for c in sorted(categories, key=lambda c: c.level):
        if not include_disabled and not c.is_enabled:
            continue
        node = {**category_dict(c), "children": []}
        nodes[c.id] = node
        if c.parent_id is None:
            roots.append(node)
        elif c.parent_id in nodes:
            nodes[c.parent_id]["children"].append(node)
    _sort(roots)
    return roots


def _sort(nodes: list[dict[str, Any]]) -> None:
    nodes.sort(key=lambda n: (n["sort_order"], n["id"]))
    for n in nodes:
        _sort(n["children"])


def category_dict(c: Category) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "parent_id": c.parent_id,
        "level": c.level,
        "sort_order": c.sort_order,
        "is_enabled": c.is_enabled,
        "spec_template": c.spec_template,
    }


async def breadcrumb(uow: UnitOfWork, category: Category) -> list[Category]:
    ids = [i for i in category.path.strip("/").split("/") if i]
    found = {c.id: c for c in await uow.session.scalars(select(Category).where(Category.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# ---- brands ---------------------------------------------------------------------------


def brand_key(name: str) -> str:
    return " ".join(name.casefold().split())


async def create_brand(uow: UnitOfWork, *, name: str, name_en: str, description: str) -> Brand:
    key = brand_key(name)
    if await uow.session.scalar(select(Brand.id).where(Brand.name_key == key)):
        raise AppError(
            "brand_name_taken",
            field_errors=[
                FieldError("name", "brand_name_taken", "品牌已存在。", "This brand already exists.")
            ],
        )
    brand = Brand(
        name=name,
        name_key=key,
        name_en=name_en,
        description=description,
        is_enabled=True,
        created_at=uow.now(),
    )
    uow.session.add(brand)
    await uow.commit()
    return brand


async def update_brand(uow: UnitOfWork, brand_id: str, changes: dict[str, Any]) -> Brand:
    brand = await uow.session.get(Brand, brand_id)
    if brand is None:
        raise NotFound()
    if "name" in changes and changes["name"] is not None:
        key = brand_key(changes["name"])
        if await uow.session.scalar(select(Brand.id).where(Brand.name_key == key, Brand.id != brand_id)):
            raise AppError("brand_name_taken")
        brand.name, brand.name_key = changes["name"], key
    for attr in ("name_en", "description", "is_enabled"):
        if changes.get(attr) is not None:
            setattr(brand, attr, changes[attr])
    # Products show and are found by their brand's name: re-index them.
    for product_id in await uow.session.scalars(select(Product.id).where(Product.brand_id == brand_id)):
        uow.publish(ProductChanged(product_id=product_id))
    await uow.commit()
    return brand


class BrandPosition(CursorPosition):
    k: CursorText
    id: CursorId


BRANDS_CURSOR = CursorCodec("brands", BrandPosition)
ADMIN_BRANDS_CURSOR = CursorCodec("admin_brands", BrandPosition)


async def list_brands(
    uow: UnitOfWork,
    keyring: Keyring,
    *,
    q: str | None,
    include_disabled: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Brand], str | None]:
    query = select(Brand).order_by(Brand.name_key, Brand.id).limit(limit + 1)
    if not include_disabled:
        query = query.where(Brand.is_enabled.is_(True))
    if q:
        query = query.where(Brand.name_key.contains(brand_key(q)))
    codec = ADMIN_BRANDS_CURSOR if include_disabled else BRANDS_CURSOR
    after = codec.decode(keyring, cursor)
    if after is not None:
        query = query.where(
            (Brand.name_key > after.k) | ((Brand.name_key == after.k) & (Brand.id > after.id))
        )
    brands = list(await uow.session.scalars(query))
    next_cursor = None
    if len(brands) > limit:
        last = brands[limit - 1]
        next_cursor = codec.encode(keyring, BrandPosition(k=last.name_key, id=last.id))
    return brands[:limit], next_cursor
