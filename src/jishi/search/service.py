"""Business rules of search: product search, autocomplete, hot searches, synonyms.

Result pages are cached in the app's ``Cache`` under the normalised query, the filters and
the index generation; every change of the index or of the synonyms bumps the generation in
the same transaction, so a cached page never outlives the data it was made from.
"""

from __future__ import annotations

import hashlib
import html
import json
import time
import weakref
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Annotated, Any

import structlog
from pydantic import AwareDatetime, Field
from sqlalchemy import delete, func, or_, select

from jishi.accounts.service import Principal
from jishi.core.cache import cached
from jishi.core.context import AppContext
from jishi.core.db import Database, UnitOfWork, rowcount, upsert
from jishi.core.errors import AppError, NotFound, invalid_field
from jishi.core.pagination import (
    CursorCodec,
    CursorFloat,
    CursorId,
    CursorInt,
    CursorPosition,
)
from jishi.core.security import Keyring
from jishi.search import text
from jishi.search.engines import (
    SORTS,
    Filters,
    Hit,
    SearchRequest,
    SqlSearchEngine,
    bump_generation,
    count_facets,
    current_state,
    engine_for,
    read_state,
)
from jishi.search.models import LoggedQuery, LoggedQueryDay, SearchSynonym

log = structlog.get_logger(__name__)

PAGE_CACHE_SECONDS = 60.0
SUGGEST_CACHE_SECONDS = 30.0
HOT_CACHE_SECONDS = 30.0
HOT_DAYS = 7
MAX_LOGGED_QUERY = 50  # longer queries are not remembered for hot searches or autocomplete
QUERY_LOG_FLUSH_SECONDS = 10.0
QUERY_LOG_FLUSH_SIZE = 200
QUERY_LOG_DEDUPE_SECONDS = 600  # one client counts once per query in this window
MAX_SYNONYM_GROUPS = 5000


# ---- product search -------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    q: str | None = None
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    limit: int = 20
    cursor: str | None = None
    facets: bool = False


@dataclass
class ProductHit:
    id: str
    title: str
    subtitle: str
    highlight: str
    price_fen: int
    price_max_fen: int
    shop_id: str
    brand_id: str | None
    brand_name: str
    category_id: str
    sales_count: int
    rating_avg: float
    in_stock: bool
    image_url: str | None = None


@dataclass
class SearchPage:
    """One page of hits as cached: without main images (not part of the index)."""

    items: list[ProductHit]
    next_cursor: str | None
    fuzzy: bool = False  # found by typo-tolerant matching (then its counts are too)

    def to_json(self) -> bytes:
        return _dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> SearchPage:
        data = json.loads(raw)
        return cls(
            items=[ProductHit(**item) for item in data["items"]],
            next_cursor=data["next_cursor"],
            fuzzy=data["fuzzy"],
        )


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _check(params: SearchParams) -> None:
    if params.sort not in SORTS:
        raise invalid_field("sort", "literal_error", "不支持的排序方式。", "unknown sort")
    f = params.filters
    if f.price_min_fen is not None and f.price_max_fen is not None and f.price_min_fen > f.price_max_fen:
        raise invalid_field(
            "price_max_fen",
            "price_range_reversed",
            "不能低于最低价 price_min_fen。",
            "must not be lower than price_min_fen",
        )


def _digest(material: dict[str, Any]) -> str:
    raw = json.dumps(material, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:40]


def _matching_material(cleaned: str, params: SearchParams, *, brands: bool = True) -> dict[str, Any]:
    """What decides which documents match (not their order or the page); without the brands,
    what decides the facet pass (``engines.count_facets`` applies them)."""
    f = params.filters
    return {
        "q": cleaned,
        "blank": params.q is None or not params.q.strip(),
        "f": [
            f.category_id,
            f.shop_id,
            sorted(set(f.brand_ids)) if brands else None,
            f.price_min_fen,
            f.price_max_fen,
            f.in_stock,
            sorted(set(f.specs)),
        ],
    }


class _After(CursorPosition):
    """Where a page of hits ended: the sort key ``k`` of the last hit and its product ``i``."""

    i: CursorId
    f: bool  # matched typo-tolerantly: the next pages must too


class _AfterScore(_After):
    k: CursorFloat


class _AfterCount(_After):
    k: Annotated[int, Field(ge=-(2**31), lt=2**31)]  # the column's integer type


class _AfterPrice(_After):
    k: CursorInt


class _AfterTime(_After):
    k: AwareDatetime


# One list per sort: a cursor of one order is meaningless in another.
_AFTER: dict[str, CursorCodec[Any]] = {
    sort: CursorCodec(f"search:{sort}", position)
    for sort, position in (
        ("relevance", _AfterScore),
        ("sales", _AfterCount),
        ("price_asc", _AfterPrice),
        ("price_desc", _AfterPrice),
        ("newest", _AfterTime),
        ("rating", _AfterScore),
    )
}


def _encode_after(keyring: Keyring, sort: str, key: Any, product_id: str, fuzzy: bool) -> str:
    codec = _AFTER[sort]
    return codec.encode(keyring, codec.position(k=key, i=product_id, f=fuzzy))


def _decode_after(keyring: Keyring, cursor: str | None, sort: str) -> tuple[tuple[Any, str] | None, bool]:
    after = _AFTER[sort].decode(keyring, cursor)
    if after is None:
        return None, False
    return (after.k, after.i), after.f


def _item(hit: Hit, query: text.ParsedQuery | None) -> ProductHit:
    return ProductHit(
        id=hit.product_id,
        title=hit.title,
        subtitle=hit.subtitle,
        highlight=text.highlight(hit.title, query) if query is not None else html.escape(hit.title),
        price_fen=hit.price_min_fen,
        price_max_fen=hit.price_max_fen,
        shop_id=hit.shop_id,
        brand_id=hit.brand_id,
        brand_name=hit.brand_name,
        category_id=hit.category_id,
        sales_count=hit.sales_count,
        rating_avg=hit.rating_avg,
        in_stock=hit.in_stock,
    )


async def search_products(ctx: AppContext, params: SearchParams, *, client: str = "") -> bytes:
    """Buyers' product search (``GET /products``) as the answer's JSON bytes: only products
    on sale in active shops. A page shown within the last second is served as it was,
    with no database read and no re-serialising (and a popular one is rebuilt before then,
    in the background)."""
    _check(params)
    cleaned = text.clean_query(params.q or "")
    generation, synonyms_version = await current_state(ctx.database)
    lookup = _Lookup(ctx, params, cleaned, generation, synonyms_version)
    shown = await cached(ctx.cache, ctx.single_flight, lookup.shown_key, IMAGES_CACHE_SECONDS, lookup.show)
    if cleaned and params.cursor is None and not shown.startswith(b'{"items":[]'):
        await _remember_query(ctx, ctx.database, cleaned, client)
    return shown


IMAGES_CACHE_SECONDS = 1.0
TOTAL_CAP = 10_000  # matches are counted up to here; beyond, the total says "10 000 or more"


@dataclass
class _Lookup:
    """One search as the cache sees it: the page of hits (per sort, size and cursor), the count
    and the facets (per query and filters, so every sort and page shares them), each cached
    under the index generation for PAGE_CACHE_SECONDS; and the answer as shown, with main
    images, for IMAGES_CACHE_SECONDS."""

    ctx: AppContext
    params: SearchParams
    cleaned: str
    generation: int
    synonyms_version: int
    _query: text.ParsedQuery | None = None

    def key(self, part: str, *, brands: bool = True, **page: Any) -> str:
        material = {**_matching_material(self.cleaned, self.params, brands=brands), **page}
        return f"search:{part}:{self.generation}:{_digest(material)}"

    @property
    def shown_key(self) -> str:
        p = self.params
        return self.key("shown", s=p.sort, l=p.limit, c=p.cursor, x=p.facets)

    async def show(self) -> bytes:
        async with self.ctx.database.uow() as uow:
            page = await self._page(uow)
            facets = await self._facets(uow, page.fuzzy) if self.params.facets else None
            total = await self._total(uow, page.fuzzy)
            images = await _main_images(uow, self.ctx, [item.id for item in page.items])
        items = [replace(item, image_url=images.get(item.id)) for item in page.items]
        body = {
            "items": [asdict(item) for item in items],
            "next_cursor": page.next_cursor,
            "total": min(total, TOTAL_CAP),
            "total_is_exact": total <= TOTAL_CAP,
            "facets": facets,
        }
        return _dumps(body)

    async def _parsed(self, uow: UnitOfWork) -> text.ParsedQuery | None:
        if self._query is None and self.params.q is not None and self.params.q.strip():
            await text.ready()
            self._query = text.parse_query(self.params.q, await _synonyms(uow, self.synonyms_version))
        return self._query

    async def _request(self, uow: UnitOfWork, *, after: tuple[Any, str] | None, fuzzy: bool) -> SearchRequest:
        p = self.params
        query = await self._parsed(uow)
        return SearchRequest(query, p.filters, p.sort, p.limit, after=after, fuzzy=fuzzy)

    async def _page(self, uow: UnitOfWork) -> SearchPage:
        key = self.key("hits", s=self.params.sort, l=self.params.limit, c=self.params.cursor)
        cached = await self.ctx.cache.get(key)
        if cached is not None:
            return SearchPage.from_json(cached)
        after, fuzzy = _decode_after(self.ctx.keyring, self.params.cursor, self.params.sort)
        engine = engine_for(uow.database.dialect)
        request = await self._request(uow, after=after, fuzzy=fuzzy)
        outcome = await engine.search(uow, request)
        query = request.query
        if not outcome.hits and not after and await _perhaps_misspelt(engine, uow, request):
            request = replace(request, fuzzy=True)  # typo-tolerant matching of the title
            outcome = await engine.search(uow, request)
        next_cursor = None
        if outcome.next_key is not None:
            next_cursor = _encode_after(self.ctx.keyring, self.params.sort, *outcome.next_key, request.fuzzy)
        page = SearchPage([_item(hit, query) for hit in outcome.hits], next_cursor, request.fuzzy)
        await self.ctx.cache.set(key, page.to_json(), PAGE_CACHE_SECONDS)
        return page

    async def _facets(self, uow: UnitOfWork, fuzzy: bool) -> dict[str, Any]:
        key = self.key("facets", fuzzy=fuzzy)
        cached = await self.ctx.cache.get(key)
        if cached is not None:
            facets: dict[str, Any] = json.loads(cached)
            return facets
        engine = engine_for(uow.database.dialect)
        request = await self._request(uow, after=None, fuzzy=fuzzy)
        rows_key = self.key("facet_rows", brands=False, fuzzy=fuzzy)  # shared by every choice of brands

        async def facet_rows() -> bytes:
            stored = await self.ctx.cache.get(rows_key)
            if stored is None:
                stored = _dumps(await engine.facet_rows(uow, request))
                await self.ctx.cache.set(rows_key, stored, PAGE_CACHE_SECONDS)
            return stored

        counted = count_facets(request, json.loads(await self.ctx.single_flight.run(rows_key, facet_rows)))
        await self.ctx.cache.set(key, _dumps(counted.facets), PAGE_CACHE_SECONDS)
        await self.ctx.cache.set(self.key("count", fuzzy=fuzzy), _dumps(counted.matching), PAGE_CACHE_SECONDS)
        return counted.facets

    async def _total(self, uow: UnitOfWork, fuzzy: bool) -> int:
        key = self.key("count", fuzzy=fuzzy)
        cached = await self.ctx.cache.get(key)
        if cached is not None:
            return int(json.loads(cached))
        engine = engine_for(uow.database.dialect)
        total = await engine.count(uow, await self._request(uow, after=None, fuzzy=fuzzy), cap=TOTAL_CAP)
        await self.ctx.cache.set(key, _dumps(total), PAGE_CACHE_SECONDS)
        return total


async def _perhaps_misspelt(engine: SqlSearchEngine, uow: UnitOfWork, request: SearchRequest) -> bool:
    """Nothing was found: worth trying typo-tolerant matching (where the engine has it) when
    no product has these words, whatever the filters. When some do, nothing is misspelt and
    similar titles would only show what the filters left out."""
    query = request.query
    if not engine.supports_fuzzy or query is None or query.is_empty:
        return False
    if request.filters == Filters():
        return True
    return await engine.count(uow, replace(request, filters=Filters()), cap=0) == 0


async def _main_images(uow: UnitOfWork, ctx: AppContext, product_ids: list[str]) -> dict[str, str | None]:
    """Main-image URLs of the hits (one query). They are not part of the index, so the answer
    that carries them is kept only a second: a new picture shows within a second without
    invalidating the index's cached pages."""
    from jishi.catalog import media_service

    images = await media_service.main_image_urls(uow, ctx.storage, product_ids)
    return {product_id: urls.get("medium") for product_id, urls in images.items()}


# ---- synonyms (同义词) -----------------------------------------------------------------------

_synonym_memo: weakref.WeakKeyDictionary[Database, tuple[int, text.SynonymMap]] = weakref.WeakKeyDictionary()


async def _synonyms(uow: UnitOfWork, version: int) -> text.SynonymMap:
    """The synonym map, loaded once per synonyms version and process."""
    memo = _synonym_memo.get(uow.database)
    if memo is not None and memo[0] == version:
        return memo[1]
    groups = await uow.session.scalars(
        select(SearchSynonym.terms).order_by(SearchSynonym.id).limit(MAX_SYNONYM_GROUPS)
    )
    mapping = text.synonym_map(g for g in groups if isinstance(g, list))
    _synonym_memo[uow.database] = (version, mapping)
    return mapping


def _clean_terms(terms: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t for t in (text.clean_query(term) for term in terms) if t))
    if len(cleaned) < 2:
        raise invalid_field(
            "terms",
            "too_few_terms",
            "同义词组至少需要两个不同的可搜索词。",
            "a synonym group needs at least two different searchable terms",
        )
    return cleaned


class SynonymPosition(CursorPosition):
    id: CursorId


SYNONYMS_CURSOR = CursorCodec("synonyms", SynonymPosition)


async def list_synonyms(
    uow: UnitOfWork, keyring: Keyring, *, limit: int, cursor: str | None
) -> tuple[list[SearchSynonym], str | None]:
    query = select(SearchSynonym).order_by(SearchSynonym.id.desc()).limit(limit + 1)
    after = SYNONYMS_CURSOR.decode(keyring, cursor)
    if after is not None:
        query = query.where(SearchSynonym.id < after.id)
    rows = list(await uow.session.scalars(query))
    next_cursor = None
    if len(rows) > limit:
        next_cursor = SYNONYMS_CURSOR.encode(keyring, SynonymPosition(id=rows[limit - 1].id))
    return rows[:limit], next_cursor


async def _refuse_duplicate_group(uow: UnitOfWork, terms: list[str], exclude_id: str | None) -> None:
    """The same set of terms twice would only make the list harder to maintain."""
    wanted = set(terms)
    for group in await uow.session.scalars(select(SearchSynonym)):
        if group.id != exclude_id and set(group.terms) == wanted:
            raise AppError("synonym_group_exists")


async def create_synonym(uow: UnitOfWork, admin: Principal, terms: list[str]) -> SearchSynonym:
    now = uow.now()
    cleaned = _clean_terms(terms)
    await _refuse_duplicate_group(uow, cleaned, exclude_id=None)
    synonym = SearchSynonym(terms=cleaned, created_at=now, updated_at=now, updated_by=admin.user_id)
    uow.session.add(synonym)
    await bump_generation(uow, synonyms=True)
    await uow.commit()
    return synonym


async def update_synonym(
    uow: UnitOfWork, admin: Principal, synonym_id: str, terms: list[str]
) -> SearchSynonym:
    synonym = await uow.session.get(SearchSynonym, synonym_id)
    if synonym is None:
        raise NotFound()
    cleaned = _clean_terms(terms)
    await _refuse_duplicate_group(uow, cleaned, exclude_id=synonym_id)
    synonym.terms = cleaned
    synonym.updated_at = uow.now()
    synonym.updated_by = admin.user_id
    await bump_generation(uow, synonyms=True)
    await uow.commit()
    return synonym


async def delete_synonym(uow: UnitOfWork, synonym_id: str) -> None:
    result = await uow.session.execute(delete(SearchSynonym).where(SearchSynonym.id == synonym_id))
    if rowcount(result) != 1:
        raise NotFound()
    await bump_generation(uow, synonyms=True)
    await uow.commit()


# ---- the query log: hot searches and autocomplete -------------------------------------------


class _PendingQueries:
    """Counts kept in the process and written in batches, so a search does not write."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.since = time.monotonic()

    def due(self) -> bool:
        return (
            len(self.counts) >= QUERY_LOG_FLUSH_SIZE
            or time.monotonic() - self.since >= QUERY_LOG_FLUSH_SECONDS
        )


_pending: weakref.WeakKeyDictionary[Database, _PendingQueries] = weakref.WeakKeyDictionary()


async def _remember_query(ctx: AppContext, database: Database, cleaned: str, client: str) -> None:
    if len(cleaned) > MAX_LOGGED_QUERY:
        return
    digest = hashlib.sha256(f"{client}\n{cleaned}".encode()).hexdigest()[:32]
    first, _ = await ctx.rate_limiter.hit(
        f"search-log:{digest}", limit=1, window_seconds=QUERY_LOG_DEDUPE_SECONDS
    )
    if not first:
        return
    pending = _pending.setdefault(database, _PendingQueries())
    pending.counts[cleaned] = pending.counts.get(cleaned, 0) + 1
    if pending.due():
        await flush_query_log(database)


async def flush_query_log(database: Database) -> None:
    """Write the counted queries of this process (statistics: a failure is logged, not raised)."""
    pending = _pending.get(database)
    if pending is None or not pending.counts:
        return
    counts, pending.counts, pending.since = pending.counts, {}, time.monotonic()
    try:
        async with database.uow() as uow:
            now = uow.now()
            dialect = database.dialect
            rows = []
            for query in sorted(counts):  # a fixed order: concurrent flushes lock rows alike
                spelled, initials = text.spell(query)
                rows.append(
                    {
                        "query": query,
                        "pinyin": spelled[:400],
                        "initials": initials[:100],
                        "total_count": counts[query],
                        "last_seen_at": now,
                    }
                )
            table = LoggedQuery.__table__
            stmt = upsert(dialect, table)
            stmt = stmt.on_conflict_do_update(
                index_elements=["query"],
                set_={
                    "total_count": table.c.total_count + stmt.excluded.total_count,
                    "last_seen_at": stmt.excluded.last_seen_at,
                },
            )
            await uow.session.execute(stmt, rows)
            days = LoggedQueryDay.__table__
            day_stmt = upsert(dialect, days)
            day_stmt = day_stmt.on_conflict_do_update(
                index_elements=["day", "query"], set_={"count": days.c.count + day_stmt.excluded.count}
            )
            await uow.session.execute(
                day_stmt, [{"day": now.date(), "query": q, "count": counts[q]} for q in sorted(counts)]
            )
            await uow.commit()
    except Exception:
        log.warning("search.query_log_flush_failed", exc_info=True, queries=len(counts))


async def hot_queries(uow: UnitOfWork, ctx: AppContext, *, limit: int = 10) -> list[tuple[str, int]]:
    """The most searched queries of the last seven days (热搜)."""
    await flush_query_log(uow.database)
    since = uow.now().date() - timedelta(days=HOT_DAYS - 1)
    key = f"search:hot:{since.isoformat()}:{limit}"
    cached = await ctx.cache.get(key)
    if cached is not None:
        return [(q, n) for q, n in json.loads(cached)]
    total = func.sum(LoggedQueryDay.count).label("total")
    rows = await uow.session.execute(
        select(LoggedQueryDay.query, total)
        .where(LoggedQueryDay.day >= since)
        .group_by(LoggedQueryDay.query)
        .order_by(total.desc(), LoggedQueryDay.query)
        .limit(limit)
    )
    hot = [(query, int(n)) for query, n in rows.all()]
    await ctx.cache.set(key, json.dumps(hot, ensure_ascii=False).encode(), HOT_CACHE_SECONDS)
    return hot


@dataclass
class Suggestion:
    text: str
    kind: str  # "query" (what others searched) or "product" (a product title)
    product_id: str | None = None


async def suggest(uow: UnitOfWork, ctx: AppContext, q: str, *, limit: int = 10) -> list[Suggestion]:
    """Autocomplete: popular queries, then product titles, that start with what was typed
    (in characters, in pinyin or in initials: 华 / hua / hw → 华为手机)."""
    cleaned = text.clean_query(q)
    if not cleaned:
        return []
    generation, _ = await read_state(uow)
    digest = hashlib.sha256(cleaned.encode()).hexdigest()[:40]
    key = f"search:suggest:{generation}:{limit}:{digest}"
    cached = await ctx.cache.get(key)
    if cached is not None:
        return [Suggestion(**s) for s in json.loads(cached)]
    await text.ready()
    compact = cleaned.replace(" ", "")
    popular = await uow.session.scalars(
        select(LoggedQuery.query)
        .where(
            or_(
                LoggedQuery.query.like(f"{cleaned}%"),
                LoggedQuery.pinyin.like(f"{compact}%"),
                LoggedQuery.initials.like(f"{compact}%"),
            )
        )
        .order_by(LoggedQuery.total_count.desc(), LoggedQuery.query)
        .limit(limit)
    )
    out: dict[str, Suggestion] = {}
    for query in popular:
        out.setdefault(query, Suggestion(query, "query"))
    engine = engine_for(uow.database.dialect)
    for product_id, title in await engine.suggest(uow, text.prefix_query(cleaned), limit):
        out.setdefault(title, Suggestion(title, "product", product_id))
    suggestions = list(out.values())[:limit]
    await ctx.cache.set(
        key,
        json.dumps([asdict(s) for s in suggestions], ensure_ascii=False).encode(),
        SUGGEST_CACHE_SECONDS,
    )
    return suggestions
