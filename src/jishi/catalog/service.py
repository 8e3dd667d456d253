"""Business rules of the catalog: the category tree, brands, products and SKUs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from jishi.catalog.models import Brand, Category, Product
from jishi.core.db import UnitOfWork
from jishi.core.errors import NotFound

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
