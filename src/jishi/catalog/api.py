"""Routes of the catalog: the platform's categories and brands, shops' products, product pages."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from jishi.accounts.deps import PlatformAdmin
from jishi.catalog import categories, importing, media_service, schemas, service
from jishi.catalog.models import Brand, Category, Product, Sku
from jishi.core.errors import AppError, FieldError, NotFound
from jishi.core.http import Ctx, Locale, Uow
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.shops.deps import ActiveShopMember, ShopMemberAccess

router = APIRouter(tags=["catalog"])
admin_router = APIRouter(prefix="/admin", tags=["platform: catalog"])


def _category_out(c: Category) -> schemas.CategoryOut:
    return schemas.CategoryOut.model_validate(categories.category_dict(c))


def _sku_out(s: Sku) -> schemas.SkuOut:
    return schemas.SkuOut(
        id=s.id,
        specs=s.specs,
        price_fen=s.price_fen,
        market_price_fen=s.market_price_fen,
        stock=s.stock,
        reserved=s.reserved,
        available_stock=s.stock - s.reserved,
        weight_g=s.weight_g,
        barcode=s.barcode,
        is_enabled=s.is_enabled,
        available=s.is_enabled and s.stock - s.reserved > 0,
    )


async def _product_out(uow: Uow, p: Product, skus: list[Sku]) -> schemas.ProductOut:
    brand = await uow.session.get(Brand, p.brand_id) if p.brand_id else None
    return schemas.ProductOut(
        brand=_brand_out(brand) if brand else None,
        id=p.id,
        shop_id=p.shop_id,
        title=p.title,
        subtitle=p.subtitle,
        status=p.status,
        category_id=p.category_id,
        brand_id=p.brand_id,
        description=p.description_html,
        specs=p.specs,
        skus=[_sku_out(s) for s in skus],
        price_min_fen=p.price_min_fen,
        price_max_fen=p.price_max_fen,
        stock_total=p.stock_total,
        sales_count=p.sales_count,
        created_at=p.created_at,
        updated_at=p.updated_at,
        published_at=p.published_at,
    )


def _drafts(skus: list[schemas.SkuIn]) -> list[service.SkuDraft]:
    return [
        service.SkuDraft(s.specs, s.price_fen, s.market_price_fen, s.stock, s.weight_g, s.barcode)
        for s in skus
    ]


def _specs(specs: list[schemas.ProductSpecIn] | None) -> list[dict[str, Any]] | None:
    return None if specs is None else [s.model_dump() for s in specs]


# ---- categories (类目) ---------------------------------------------------------------------


@router.get("/categories", response_model=list[schemas.CategoryNode])
async def category_tree(uow: Uow, ctx: Ctx) -> Response:
    """The enabled category tree, nested (cached; changes show at once)."""
    cached = await ctx.cache.get(categories.TREE_CACHE_KEY)
    if cached is None:
        tree = categories.build_tree(await categories.all_categories(uow), include_disabled=False)
        cached = json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()
        await ctx.cache.set(categories.TREE_CACHE_KEY, cached, 300)
    return Response(cached, media_type="application/json")


@router.get("/categories/{category_id}", response_model=schemas.CategoryDetailOut)
async def category_detail(category_id: str, uow: Uow) -> schemas.CategoryDetailOut:
    category = await categories.get_category(uow, category_id)
    if not category.is_enabled:
        raise NotFound()
    crumbs = await categories.breadcrumb(uow, category)
    children = [
        c for c in await categories.all_categories(uow) if c.parent_id == category.id and c.is_enabled
    ]
    return schemas.CategoryDetailOut(
        **_category_out(category).model_dump(),
        breadcrumb=[_category_out(c) for c in crumbs],
        children=[_category_out(c) for c in children],
    )


@admin_router.get("/categories", response_model=list[schemas.CategoryNode])
async def admin_category_tree(_: PlatformAdmin, uow: Uow) -> list[dict[str, Any]]:
    """The whole tree, disabled categories included."""
    return categories.build_tree(await categories.all_categories(uow), include_disabled=True)


@admin_router.post("/categories", status_code=status.HTTP_201_CREATED, response_model=schemas.CategoryOut)
async def create_category(
    body: schemas.CategoryIn, _: PlatformAdmin, uow: Uow, ctx: Ctx
) -> schemas.CategoryOut:
    category = await categories.create_category(
        uow,
        name=body.name,
        parent_id=body.parent_id,
        sort_order=body.sort_order,
        spec_template=[t.model_dump() for t in body.spec_template],
    )
    await ctx.cache.delete(categories.TREE_CACHE_KEY)
    return _category_out(category)


@admin_router.patch("/categories/{category_id}", response_model=schemas.CategoryOut)
async def update_category(
    category_id: str, body: schemas.CategoryUpdateIn, _: PlatformAdmin, uow: Uow, ctx: Ctx
) -> schemas.CategoryOut:
    changes = body.model_dump(exclude_unset=True)
    if body.spec_template is not None:  # whole items: an option list left out is an empty one
        changes["spec_template"] = [item.model_dump() for item in body.spec_template]
    category = await service.update_category(uow, category_id, changes)
    await ctx.cache.delete(categories.TREE_CACHE_KEY)
    return _category_out(category)


@admin_router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(category_id: str, _: PlatformAdmin, uow: Uow, ctx: Ctx) -> Response:
    await categories.delete_category(uow, category_id)
    await ctx.cache.delete(categories.TREE_CACHE_KEY)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- brands (品牌) -------------------------------------------------------------------------


def _brand_out(b: Brand) -> schemas.BrandOut:
    return schemas.BrandOut(
        id=b.id, name=b.name, name_en=b.name_en, description=b.description, is_enabled=b.is_enabled
    )


async def _brand_page(
    uow: Uow, *, q: str | None, include_disabled: bool, limit: int, cursor: str | None
) -> Page[schemas.BrandOut]:
    brands, next_cursor = await categories.list_brands(
        uow, q=q, include_disabled=include_disabled, limit=limit, cursor=cursor
    )
    return Page(items=[_brand_out(b) for b in brands], next_cursor=next_cursor)


@router.get("/brands", response_model=Page[schemas.BrandOut])
async def list_brands(
    uow: Uow,
    q: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Page[schemas.BrandOut]:
    return await _brand_page(uow, q=q, include_disabled=False, limit=limit, cursor=cursor)


@router.get("/brands/{brand_id}", response_model=schemas.BrandOut)
async def get_brand(brand_id: str, uow: Uow) -> schemas.BrandOut:
    brand = await uow.session.get(Brand, brand_id)
    if brand is None:
        raise NotFound()
    return _brand_out(brand)


@admin_router.get("/brands", response_model=Page[schemas.BrandOut])
async def admin_list_brands(
    _: PlatformAdmin,
    uow: Uow,
    q: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Page[schemas.BrandOut]:
    return await _brand_page(uow, q=q, include_disabled=True, limit=limit, cursor=cursor)


@admin_router.post("/brands", status_code=status.HTTP_201_CREATED, response_model=schemas.BrandOut)
async def create_brand(body: schemas.BrandIn, _: PlatformAdmin, uow: Uow) -> schemas.BrandOut:
    brand = await categories.create_brand(
        uow, name=body.name, name_en=body.name_en, description=body.description
    )
    return _brand_out(brand)


@admin_router.patch("/brands/{brand_id}", response_model=schemas.BrandOut)
async def update_brand(
    brand_id: str, body: schemas.BrandUpdateIn, _: PlatformAdmin, uow: Uow
) -> schemas.BrandOut:
    return _brand_out(await categories.update_brand(uow, brand_id, body.model_dump(exclude_unset=True)))


# ---- a shop's products (商家商品管理) ----------------------------------------------------------


@router.post(
    "/shops/{shop_id}/products", status_code=status.HTTP_201_CREATED, response_model=schemas.ProductOut
)
async def create_product(body: schemas.ProductIn, access: ActiveShopMember, uow: Uow) -> schemas.ProductOut:
    """List a new product as a draft, with its SKUs (the combinations of its spec values)."""
    product, skus = await service.create_product(
        uow,
        access.shop.id,
        title=body.title,
        subtitle=body.subtitle,
        category_id=body.category_id,
        brand_id=body.brand_id,
        description=body.description,
        specs=_specs(body.specs),
        skus=_drafts(body.skus),
        actor_id=access.user_id,
    )
    return await _product_out(uow, product, skus)


@router.get("/shops/{shop_id}/products", response_model=Page[schemas.ProductListItem])
async def list_shop_products(
    access: ShopMemberAccess,
    uow: Uow,
    ctx: Ctx,
    status_filter: Annotated[schemas.ProductStatus | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 20,
    cursor: CursorParam = None,
) -> Page[schemas.ProductListItem]:
    products, next_cursor = await service.list_shop_products(
        uow, access.shop.id, status=status_filter, q=q, limit=limit, cursor=cursor
    )
    images = await media_service.main_image_urls(uow, ctx.storage, [p.id for p in products])
    items = [
        schemas.ProductListItem(
            id=p.id,
            title=p.title,
            image_url=images.get(p.id, {}).get("thumb"),
            status=p.status,
            price_fen=p.price_min_fen,
            price_max_fen=p.price_max_fen,
            stock_total=p.stock_total,
            sales_count=p.sales_count,
            updated_at=p.updated_at,
        )
        for p in products
    ]
    return Page(items=items, next_cursor=next_cursor)


@router.get("/shops/{shop_id}/products/{product_id}", response_model=schemas.ProductOut)
async def get_shop_product(product_id: str, access: ShopMemberAccess, uow: Uow) -> schemas.ProductOut:
    product = await service.get_shop_product(uow, access.shop.id, product_id)
    return await _product_out(uow, product, await service.product_skus(uow, product.id))


@router.patch("/shops/{shop_id}/products/{product_id}", response_model=schemas.ProductOut)
async def update_product(
    product_id: str, body: schemas.ProductUpdateIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> schemas.ProductOut:
    product = await service.get_shop_product(uow, access.shop.id, product_id)
    product = await service.update_product(uow, ctx, product, body.model_dump(exclude_unset=True))
    return await _product_out(uow, product, await service.product_skus(uow, product.id))


@router.put("/shops/{shop_id}/products/{product_id}/skus", response_model=schemas.ProductOut)
async def replace_skus(
    product_id: str, body: schemas.SkuMatrixIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> schemas.ProductOut:
    """Replace the spec/SKU matrix (规格矩阵); unchanged combinations keep their SKU ids."""
    product = await service.get_shop_product(uow, access.shop.id, product_id)
    skus = await service.replace_skus(
        uow, ctx, product, _specs(body.specs), _drafts(body.skus), actor_id=access.user_id
    )
    return await _product_out(uow, product, skus)


@router.delete("/shops/{shop_id}/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product(product_id: str, access: ActiveShopMember, uow: Uow, ctx: Ctx) -> Response:
    product = await service.get_shop_product(uow, access.shop.id, product_id)
    await service.delete_draft(uow, ctx, product)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/shops/{shop_id}/products/{product_id}/publish", response_model=schemas.StatusOut)
async def publish_product(product_id: str, access: ActiveShopMember, uow: Uow, ctx: Ctx) -> schemas.StatusOut:
    product = await service.publish(uow, ctx, await service.get_shop_product(uow, access.shop.id, product_id))
    return schemas.StatusOut(id=product.id, status=product.status)


@router.post("/shops/{shop_id}/products/{product_id}/off-shelf", response_model=schemas.StatusOut)
async def take_off_shelf(product_id: str, access: ActiveShopMember, uow: Uow, ctx: Ctx) -> schemas.StatusOut:
    product = await service.take_off_shelf(
        uow, ctx, await service.get_shop_product(uow, access.shop.id, product_id)
    )
    return schemas.StatusOut(id=product.id, status=product.status)


@router.patch("/shops/{shop_id}/skus/{sku_id}", response_model=schemas.SkuOut)
async def update_sku(
    sku_id: str, body: schemas.SkuUpdateIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> schemas.SkuOut:
    """Change a SKU's price, stock, weight, barcode or availability (改价、改库存)."""
    return _sku_out(
        await service.update_sku(
            uow, ctx, access.shop.id, sku_id, body.model_dump(exclude_unset=True), actor_id=access.user_id
        )
    )


# ---- the buyer's product page (商品详情) ------------------------------------------------------


@router.get("/products/{product_id}", response_model=schemas.ProductDetailOut)
async def product_detail(product_id: str, ctx: Ctx) -> Response:
    """An on-sale product of an active shop; anything else is 404. Cached for at most a second."""
    return Response(await service.public_detail(ctx, product_id), media_type="application/json")


# ---- bulk import (批量导入) --------------------------------------------------------------------

MAX_IMPORT_BYTES = 1024 * 1024


@router.get("/shops/{shop_id}/product-imports/template", response_class=Response)
async def import_template(
    access: ShopMemberAccess, file_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "xlsx"
) -> Response:
    """The import template with example rows, as CSV (UTF-8 with BOM) or XLSX."""
    if file_format == "csv":
        return Response(
            importing.template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="jishi-products.csv"'},
        )
    return Response(
        importing.template_xlsx(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="jishi-products.xlsx"'},
    )


@router.post("/shops/{shop_id}/product-imports", response_model=schemas.ImportReportOut)
async def import_products(
    file: Annotated[UploadFile, File(description="CSV or XLSX in the template's layout")],
    access: ActiveShopMember,
    ctx: Ctx,
    locale: Locale,
) -> schemas.ImportReportOut:
    """Create draft products from a CSV/XLSX file (one row per SKU, rows grouped by
    商品编号). Every product that passes is created; the report lists each problem by row."""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise AppError("payload_too_large")
    try:
        parsed = importing.parse(importing.read_rows(file.filename or "", content))
    except importing.ImportFileError as exc:
        raise AppError(
            "invalid_import_file", field_errors=[FieldError("file", "invalid_import_file", exc.zh, str(exc))]
        ) from exc
    report = await service.import_products(ctx, access.shop.id, parsed, locale)
    return schemas.ImportReportOut(
        created_count=len(report.created),
        failed_count=len(parsed.products) - len(report.created),
        created=report.created,
        errors=report.errors,
    )


@router.get("/shops/{shop_id}/inventory/low-stock", response_model=Page[schemas.LowStockOut])
async def low_stock(
    access: ShopMemberAccess,
    uow: Uow,
    threshold: Annotated[int, Query(ge=0, le=100_000, description="Units available at most")] = 10,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Page[schemas.LowStockOut]:
    """SKUs running out (库存预警), fewest available first."""
    lines, next_cursor = await service.low_stock(
        uow, access.shop.id, threshold=threshold, limit=limit, cursor=cursor
    )
    return Page(items=[schemas.LowStockOut.model_validate(line) for line in lines], next_cursor=next_cursor)
