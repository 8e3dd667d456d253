"""Routes of search: the buyers' product search, autocomplete, hot searches, and the
platform's synonym list."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import StringConstraints

from jishi.accounts.deps import PlatformAdmin
from jishi.core.errors import invalid_field
from jishi.core.http import Ctx, Uow, client_ip
from jishi.core.ids import ID_LENGTH
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.search import schemas, service
from jishi.search.engines import Filters
from jishi.search.indexer import spec_text
from jishi.search.text import MAX_QUERY_LENGTH

router = APIRouter(tags=["search"])
admin_router = APIRouter(prefix="/admin/search", tags=["platform: search"])

MAX_PRICE_FEN = 10**12
Id = Annotated[str, StringConstraints(max_length=ID_LENGTH)]
SpecFilter = Annotated[str, StringConstraints(max_length=160)]


def _spec_filters(raw: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in raw:
        name, sep, value = item.replace("：", ":").partition(":")
        name, value = spec_text(name), spec_text(value)
        if not sep or not name or not value or len(name) > 50 or len(value) > 100:
            raise invalid_field(
                "spec",
                "spec_format",
                "规格筛选应写作「规格名:规格值」，例如 颜色:黑。",
                "must be name:value, e.g. 颜色:黑",
            )
        pairs.append((name, value))
    return tuple(pairs)


@router.get("/products", response_model=schemas.ProductSearchOut)
async def search_products(
    request: Request,
    ctx: Ctx,
    q: Annotated[
        str | None,
        Query(max_length=MAX_QUERY_LENGTH, description="Words, pinyin or initials (华为手机, shouji, sj)"),
    ] = None,
    category_id: Annotated[Id | None, Query(description="This category and every one below it")] = None,
    shop_id: Annotated[Id | None, Query()] = None,
    brand_id: Annotated[list[Id] | None, Query(max_length=20, description="Repeatable: any of")] = None,
    price_min_fen: Annotated[int | None, Query(ge=0, le=MAX_PRICE_FEN)] = None,
    price_max_fen: Annotated[int | None, Query(ge=0, le=MAX_PRICE_FEN)] = None,
    in_stock: Annotated[bool, Query(description="true: only products with stock")] = False,
    spec: Annotated[
        list[SpecFilter] | None,
        Query(max_length=10, description="Repeatable name:value (颜色:黑); values of one name: any of"),
    ] = None,
    sort: schemas.Sort = "relevance",
    limit: Limit = 20,
    cursor: CursorParam = None,
    facets: Annotated[bool, Query(description="Also count categories, brands, price ranges, specs")] = False,
) -> Response:
    """Search the products buyers can see (on sale, in active shops).

    Relevance puts products whose titles hold the query's words first, then blends text
    relevance with sales and rating; the other sorts break ties by id. `total` counts the
    matches up to 10 000 (`total_is_exact` is false beyond: show "10 000+").
    """
    params = service.SearchParams(
        q=q,
        filters=Filters(
            category_id=category_id,
            shop_id=shop_id,
            brand_ids=tuple(brand_id or ()),
            price_min_fen=price_min_fen,
            price_max_fen=price_max_fen,
            in_stock=in_stock,
            specs=_spec_filters(spec or []),
        ),
        sort=sort,
        limit=limit,
        cursor=cursor,
        facets=facets,
    )
    body = await service.search_products(ctx, params, client=client_ip(request))
    return Response(body, media_type="application/json")


@router.get("/search/suggest", response_model=Page[schemas.SuggestionOut])
async def suggest(
    uow: Uow,
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=50, description="What has been typed so far")],
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> Page[schemas.SuggestionOut]:
    """Autocomplete from popular queries and product titles, by characters, pinyin or initials."""
    suggestions = await service.suggest(uow, ctx, q, limit=limit)
    return Page(items=[schemas.SuggestionOut.model_validate(asdict(s)) for s in suggestions])


@router.get("/search/hot", response_model=Page[schemas.HotQueryOut])
async def hot(
    uow: Uow, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> Page[schemas.HotQueryOut]:
    """The most searched queries of the last seven days (热搜)."""
    rows = await service.hot_queries(uow, ctx, limit=limit)
    return Page(items=[schemas.HotQueryOut(query=q, count=n) for q, n in rows])


# ---- the platform's synonym list (同义词) ---------------------------------------------------


@admin_router.get("/synonyms", response_model=Page[schemas.SynonymOut])
async def list_synonyms(
    _: PlatformAdmin, uow: Uow, ctx: Ctx, limit: Limit = 50, cursor: CursorParam = None
) -> Page[schemas.SynonymOut]:
    rows, next_cursor = await service.list_synonyms(uow, ctx.keyring, limit=limit, cursor=cursor)
    return Page(items=[schemas.SynonymOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@admin_router.post("/synonyms", status_code=status.HTTP_201_CREATED, response_model=schemas.SynonymOut)
async def create_synonym(body: schemas.SynonymIn, admin: PlatformAdmin, uow: Uow) -> schemas.SynonymOut:
    """Add a group of equivalent terms (手机, 移动电话): a search for one finds all."""
    return schemas.SynonymOut.model_validate(await service.create_synonym(uow, admin, body.terms))


@admin_router.put("/synonyms/{synonym_id}", response_model=schemas.SynonymOut)
async def update_synonym(
    synonym_id: str, body: schemas.SynonymIn, admin: PlatformAdmin, uow: Uow
) -> schemas.SynonymOut:
    """Replace the terms of a group."""
    return schemas.SynonymOut.model_validate(await service.update_synonym(uow, admin, synonym_id, body.terms))


@admin_router.delete("/synonyms/{synonym_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_synonym(synonym_id: str, _: PlatformAdmin, uow: Uow) -> Response:
    await service.delete_synonym(uow, synonym_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
