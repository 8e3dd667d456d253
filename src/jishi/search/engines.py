"""One search interface, two engines: SQLite FTS5 and PostgreSQL full text.

Both engines read and write the same ``search_documents`` rows; the database keeps its own
full-text structure in step (FTS5 triggers on SQLite, a generated ``tsvector`` column on
PostgreSQL), so writing is shared and only matching and scoring differ:

* ``SqliteFtsEngine``: ``search_fts MATCH`` over the pre-segmented columns, ranked by
  ``bm25`` with column weights title 10, body 4, pinyin 2, initials 1.5, characters 1.
* ``PostgresEngine``: ``tsv @@ tsquery`` (lexemes weighted A title, B body, C pinyin and
  initials, D characters), ranked by ``ts_rank``; when a query finds nothing, pg_trgm's
  ``word_similarity`` on the title is tried, so typos still find something.

Relevance = (query words found whole in the title) + x / (1 + x), with x = text score ×
``quality`` (1 + 0.25·log10(1 + sales) + 0.1·rating, computed at index time so ranking needs no
maths functions in SQL): title words dominate, text score and popularity order the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Float,
    FromClause,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql

from jishi.core.db import Database, UnitOfWork, upsert
from jishi.search.models import SearchDocument, SearchDocumentCategory, SearchDocumentSpec, SearchState
from jishi.search.text import ParsedQuery, fts5_query, title_clauses, tsquery

log = structlog.get_logger(__name__)

_tables = SearchDocument.metadata.tables
DOCS = _tables[SearchDocument.__tablename__]
CATEGORIES = _tables[SearchDocumentCategory.__tablename__]
SPECS = _tables[SearchDocumentSpec.__tablename__]
STATE = _tables[SearchState.__tablename__]
STATE_ID = 1

# Price facet buckets in fen: ¥0–50, 50–100, 100–200, 200–500, 500–1000, 1000–2000, 2000–5000, 5000+.
PRICE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 5_000),
    (5_000, 10_000),
    (10_000, 20_000),
    (20_000, 50_000),
    (50_000, 100_000),
    (100_000, 200_000),
    (200_000, 500_000),
    (500_000, None),
)
CATEGORY_FACETS = 50
FACET_FILTERS = ("category", "brand", "price")  # counted in one pass, each ignoring its own filter
BRAND_FACETS = 30
SPEC_FACETS = 100

# sort → the keys of its order (column of the hit, descending?); the product id breaks ties.
SORTS: dict[str, tuple[tuple[str, bool], tuple[str, bool]]] = {
    "relevance": (("score", True), ("product_id", False)),
    "sales": (("sales_count", True), ("product_id", True)),
    "price_asc": (("price_min_fen", False), ("product_id", False)),
    "price_desc": (("price_min_fen", True), ("product_id", True)),
    "newest": (("published_at", True), ("product_id", True)),
    "rating": (("rating_avg", True), ("product_id", True)),
}

HIT_COLUMNS = (
    "product_id",
    "title",
    "subtitle",
    "shop_id",
    "brand_id",
    "brand_name",
    "category_id",
    "price_min_fen",
    "price_max_fen",
    "in_stock",
    "sales_count",
    "rating_avg",
    "published_at",
)


# ---- what engines take and give ------------------------------------------------------------


@dataclass(frozen=True)
class IndexDocument:
    """A product as the index stores it (built from the catalog's ``ProductSearchSource``)."""

    product_id: str
    shop_id: str
    shop_active: bool
    status: str
    category_id: str
    category_path: str
    brand_id: str | None
    brand_name: str
    title: str
    subtitle: str
    price_min_fen: int
    price_max_fen: int
    in_stock: bool
    sales_count: int
    rating_avg: float
    quality: float
    published_at: datetime
    specs: dict[str, list[str]]
    title_tokens: str
    body_tokens: str
    pinyin: str
    initials: str
    chars: str
    category_names: str  # JSON list of the names from the root to the leaf
    category_ids: tuple[str, ...] = ()  # the path's ids, root first
    spec_pairs: tuple[tuple[str, str], ...] = ()

    def row(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("category_ids")
        values.pop("spec_pairs")
        return values

    def fingerprint(self) -> str:
        """Changes whenever anything stored for the document would change."""
        raw = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Filters:
    category_id: str | None = None
    shop_id: str | None = None
    brand_ids: tuple[str, ...] = ()
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    in_stock: bool = False
    specs: tuple[tuple[str, str], ...] = ()  # (name, value); values of one name are alternatives


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery | None  # None: browse without words
    filters: Filters
    sort: str
    limit: int
    after: tuple[Any, str] | None = None  # (sort key, product id) of the last hit seen
    fuzzy: bool = False


@dataclass(frozen=True)
class Hit:
    product_id: str
    title: str
    subtitle: str
    shop_id: str
    brand_id: str | None
    brand_name: str
    category_id: str
    price_min_fen: int
    price_max_fen: int
    in_stock: bool
    sales_count: int
    rating_avg: float
    published_at: datetime
    score: float


@dataclass
class SearchOutcome:
    hits: list[Hit]
    next_key: tuple[Any, str] | None


@dataclass
class FacetCounts:
    """The facet block of a search and, from the same pass, how many documents match."""

    facets: dict[str, Any]
    matching: int


class SearchEngine(Protocol):
    name: str
    supports_fuzzy: bool

    async def index(self, uow: UnitOfWork, documents: Sequence[IndexDocument], *, force: bool = False) -> int:
        """Store these documents; returns how many were written. Unchanged documents are
        skipped unless ``force``. Call with the index lock held (``lock_index``)."""
        ...

    async def remove(self, uow: UnitOfWork, product_ids: Collection[str]) -> int:
        """Drop these products from the index; returns how many were there."""
        ...

    async def search(self, uow: UnitOfWork, request: SearchRequest) -> SearchOutcome: ...

    async def count(self, uow: UnitOfWork, request: SearchRequest, *, cap: int) -> int:
        """How many documents match, counting no further than ``cap + 1``."""
        ...

    async def facet_rows(self, uow: UnitOfWork, request: SearchRequest) -> list[list[Any]]:
        """The rows ``count_facets`` turns into this search's facets, for any choice of brands."""
        ...

    async def facets(self, uow: UnitOfWork, request: SearchRequest) -> FacetCounts: ...

    async def suggest(self, uow: UnitOfWork, query: ParsedQuery, limit: int) -> list[tuple[str, str]]:
        """(product id, title) of the best documents matching a prefix query."""
        ...


# ---- the index state row --------------------------------------------------------------------


async def lock_index(uow: UnitOfWork) -> None:
    """Serialise index writers: a write to the state row (a row lock on PostgreSQL, the write
    lock on SQLite), held until commit. Take it before reading the catalog, so a writer
    never stores data older than what the previous writer stored."""
    stmt = upsert(uow.database.dialect, STATE).values(id=STATE_ID, generation=0, synonyms_version=0)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={"generation": STATE.c.generation})
    await uow.session.execute(stmt)


# The generation as this process last read it: (database, read at, state). Result pages
# are keyed by it, so re-reading it about every STATE_MEMO_SECONDS keeps the cached search
# path free of database reads, at the price of that much delay (and one read) in other processes.
STATE_MEMO_SECONDS = 0.5
_state_memo: weakref.WeakKeyDictionary[Database, tuple[float, tuple[int, int]]] = weakref.WeakKeyDictionary()


async def bump_generation(uow: UnitOfWork, *, synonyms: bool = False) -> None:
    """Mark the index changed (cached result pages keyed by the old generation die)."""
    _state_memo.pop(uow.database, None)
    await lock_index(uow)
    values: dict[str, Any] = {"generation": STATE.c.generation + 1}
    if synonyms:
        values["synonyms_version"] = STATE.c.synonyms_version + 1
    await uow.session.execute(update(STATE).where(STATE.c.id == STATE_ID).values(**values))


_STATE_QUERY = select(STATE.c.generation, STATE.c.synonyms_version).where(STATE.c.id == STATE_ID)


_state_locks: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()
_state_refreshes: set[asyncio.Task[tuple[int, int]]] = set()  # the loop keeps only weak references


async def current_state(database: Database) -> tuple[int, int]:
    """``read_state`` as this process last read it. Once that is STATE_MEMO_SECONDS old, the
    first caller starts a re-read in the background and everyone goes on with the value in
    hand until it lands: no search waits for it (under load, a read took tens of
    milliseconds during which every search of the process waited).

    Reads take a pooled connection of their own and give it back at once: a request that
    held a connection while waiting for a cached page that another request is building could
    exhaust the pool the builder needs.
    """
    memo = _state_memo.get(database)
    if memo is None:
        return await _read_state_once(database)
    if time.monotonic() - memo[0] >= STATE_MEMO_SECONDS and not _state_lock(database).locked():
        task = asyncio.get_running_loop().create_task(_read_state_once(database, replacing=memo))
        _state_refreshes.add(task)
        task.add_done_callback(_state_refreshed)
    return memo[1]


def _state_refreshed(task: asyncio.Task[tuple[int, int]]) -> None:
    _state_refreshes.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("search.state_refresh_failed", exc_info=task.exception())  # the next search retries


def _state_lock(database: Database) -> asyncio.Lock:
    return _state_locks.setdefault(database, asyncio.Lock())


async def _read_state_once(
    database: Database, *, replacing: tuple[float, tuple[int, int]] | None = None
) -> tuple[int, int]:
    """Read the state, one read at a time per process. A read started before this process
    bumped the generation is not kept (the bump dropped the memo it would replace)."""
    async with _state_lock(database):
        memo = _state_memo.get(database)
        if memo is not None and memo is not replacing:
            return memo[1]  # read by someone else meanwhile
        read_at = time.monotonic()
        async with database.engine.connect() as connection:
            row = (await connection.execute(_STATE_QUERY)).first()
        state = (int(row[0]), int(row[1])) if row else (0, 0)
        if _state_memo.get(database) is memo:
            _state_memo[database] = (read_at, state)
        return state


async def read_state(uow: UnitOfWork) -> tuple[int, int]:
    """(generation, synonyms_version); (0, 0) before the first change."""
    row = (await uow.session.execute(_STATE_QUERY)).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


# ---- the shared SQL engine ------------------------------------------------------------------


def _visible() -> list[ColumnElement[bool]]:
    # Only visible products are indexed; checked again so a stray document never shows.
    return [DOCS.c.status == "on_sale", DOCS.c.shop_active.is_(True)]


def _filter_conditions(
    filters: Filters, *, exclude: Collection[str] = (), guard: bool = True
) -> list[ColumnElement[bool]]:
    conditions = _visible() if guard else []
    if filters.category_id is not None and "category" not in exclude:
        conditions.append(
            DOCS.c.product_id.in_(
                select(CATEGORIES.c.product_id).where(CATEGORIES.c.category_id == filters.category_id)
            )
        )
    if filters.shop_id is not None:
        conditions.append(DOCS.c.shop_id == filters.shop_id)
    if filters.brand_ids and "brand" not in exclude:
        conditions.append(DOCS.c.brand_id.in_(filters.brand_ids))
    if "price" not in exclude:
        if filters.price_min_fen is not None:
            conditions.append(DOCS.c.price_min_fen >= filters.price_min_fen)
        if filters.price_max_fen is not None:
            conditions.append(DOCS.c.price_min_fen <= filters.price_max_fen)
    if filters.in_stock:
        conditions.append(DOCS.c.in_stock.is_(True))
    if "spec" not in exclude:
        conditions += _spec_conditions(filters)
    return conditions


def _spec_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The spec filter: values of one name are alternatives, names must all be met."""
    by_name: dict[str, list[str]] = {}
    for name, value in filters.specs:
        by_name.setdefault(name, []).append(value)
    return [
        DOCS.c.product_id.in_(
            select(SPECS.c.product_id).where(SPECS.c.name == name, SPECS.c.value.in_(values))
        )
        for name, values in sorted(by_name.items())
    ]


def _after(columns: Any, keys: Sequence[tuple[str, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Keyset condition: the rows after ``values`` in the order of ``keys``."""
    branches = []
    for i, (name, descending) in enumerate(keys):
        equal = [columns[k] == v for (k, _), v in zip(keys[:i], values[:i], strict=True)]
        column = columns[name]
        beyond = column < values[i] if descending else column > values[i]
        branches.append(and_(*equal, beyond))
    return or_(*branches)


class SqlSearchEngine(ABC):
    """Everything both engines share; subclasses say how words are matched and scored."""

    name = "sql"
    supports_fuzzy = False

    @abstractmethod
    def match(self, query: ParsedQuery, fuzzy: bool) -> ColumnElement[bool]:
        """A condition on ``search_documents``: the document matches the query."""

    @abstractmethod
    def ranked(
        self, query: ParsedQuery, fuzzy: bool
    ) -> tuple[FromClause, ColumnElement[float], list[ColumnElement[bool]]]:
        """The matching documents: a FROM, their text score (higher is better) and any
        conditions still needed to keep only the matches."""

    @abstractmethod
    def title_match(self, clause: ParsedQuery) -> ColumnElement[bool]:
        """A condition on ``search_documents``: the title holds this one-clause query as whole words."""

    async def prepare(self, uow: UnitOfWork, fuzzy: bool) -> None:  # noqa: B027 (a hook; most engines need none)
        """Per-transaction set-up before a search; nothing by default."""

    # -- writing --

    async def index(self, uow: UnitOfWork, documents: Sequence[IndexDocument], *, force: bool = False) -> int:
        if not documents:
            return 0
        ids = [d.product_id for d in documents]
        existing = {
            r.product_id: (r.doc_no, r.fingerprint)
            for r in (
                await uow.session.execute(
                    select(DOCS.c.product_id, DOCS.c.doc_no, DOCS.c.fingerprint).where(
                        DOCS.c.product_id.in_(ids)
                    )
                )
            ).all()
        }
        changed = [
            (d, fp)
            for d in documents
            if (fp := d.fingerprint()) != existing.get(d.product_id, (None, None))[1] or force
        ]
        if not changed:
            return 0
        await bump_generation(uow)  # also the lock that makes the doc_no allocation safe
        next_no = int(await uow.session.scalar(select(func.coalesce(func.max(DOCS.c.doc_no), 0))) or 0)
        now = uow.now()
        rows = []
        for document, fingerprint in changed:
            if document.product_id in existing:
                doc_no = existing[document.product_id][0]
            else:
                next_no += 1
                doc_no = next_no
            rows.append({**document.row(), "doc_no": doc_no, "fingerprint": fingerprint, "indexed_at": now})
        stmt = upsert(uow.database.dialect, DOCS)
        stmt = stmt.on_conflict_do_update(
            index_elements=["product_id"],
            set_={c: stmt.excluded[c] for c in rows[0] if c not in ("product_id", "doc_no")},
        )
        await uow.session.execute(stmt, rows)
        changed_ids = [d.product_id for d, _ in changed]
        await uow.session.execute(delete(CATEGORIES).where(CATEGORIES.c.product_id.in_(changed_ids)))
        await uow.session.execute(delete(SPECS).where(SPECS.c.product_id.in_(changed_ids)))
        category_rows = [
            {"product_id": d.product_id, "category_id": cid} for d, _ in changed for cid in d.category_ids
        ]
        if category_rows:
            await uow.session.execute(insert(CATEGORIES), category_rows)
        spec_rows = [
            {"product_id": d.product_id, "name": name, "value": value}
            for d, _ in changed
            for name, value in d.spec_pairs
        ]
        if spec_rows:
            await uow.session.execute(insert(SPECS), spec_rows)
        return len(changed)

    async def remove(self, uow: UnitOfWork, product_ids: Collection[str]) -> int:
        if not product_ids:
            return 0
        ids = sorted(product_ids)
        present = list(await uow.session.scalars(select(DOCS.c.product_id).where(DOCS.c.product_id.in_(ids))))
        if not present:
            return 0
        await bump_generation(uow)
        await uow.session.execute(delete(CATEGORIES).where(CATEGORIES.c.product_id.in_(present)))
        await uow.session.execute(delete(SPECS).where(SPECS.c.product_id.in_(present)))
        await uow.session.execute(delete(DOCS).where(DOCS.c.product_id.in_(present)))
        return len(present)

    # -- reading --

    def _scored(
        self, request: SearchRequest
    ) -> tuple[FromClause, ColumnElement[float], list[ColumnElement[bool]]]:
        """The FROM, the relevance and the conditions still needed to keep only the matches.

        With words, relevance = (query words found whole in the title) + x / (1 + x), where
        x = text score × quality: every title word found counts more than any text score or
        popularity can (x / (1 + x) stays below 1), so a product whose title holds the words
        comes before one that matches only in its category names, brand, specs or characters,
        however well that one sells; popularity orders products that match alike.
        """
        if request.query is None:
            return DOCS, DOCS.c.quality, []
        if request.sort != "relevance":  # ordered by a column: matching is all it takes
            return DOCS, DOCS.c.quality, [self.match(request.query, request.fuzzy)]
        source, text_score, conditions = self.ranked(request.query, request.fuzzy)
        blended = text_score * DOCS.c.quality
        score: ColumnElement[float] = blended / (blended + 1.0)
        if not request.fuzzy:
            for clause in title_clauses(request.query):
                score = score + case((self.title_match(clause), 1.0), else_=0.0)
        return source, score, conditions

    def _conditions(
        self, request: SearchRequest, *, exclude: Collection[str] = ()
    ) -> list[ColumnElement[bool]]:
        # Counts skip the visibility re-check: only visible products are indexed, and the
        # check would force reading every row where an index alone can answer.
        conditions = _filter_conditions(request.filters, exclude=exclude, guard=False)
        if request.query is not None:
            conditions.append(self.match(request.query, request.fuzzy))
        return conditions

    async def search(self, uow: UnitOfWork, request: SearchRequest) -> SearchOutcome:
        if request.query is not None and request.query.is_empty:
            return SearchOutcome(hits=[], next_key=None)
        await self.prepare(uow, request.fuzzy)
        source, score, matching = self._scored(request)
        inner = (
            select(*(DOCS.c[c] for c in HIT_COLUMNS), score.label("score"))
            .select_from(source)
            .where(*_filter_conditions(request.filters), *matching)
            .subquery("hits")
        )
        keys = SORTS[request.sort]
        query: Select[Any] = select(inner)
        if request.after is not None:
            query = query.where(_after(inner.c, keys, request.after))
        order = [inner.c[name].desc() if descending else inner.c[name].asc() for name, descending in keys]
        rows = (await uow.session.execute(query.order_by(*order).limit(request.limit + 1))).all()
        hits = [Hit(**row._asdict()) for row in rows[: request.limit]]
        next_key = None
        if len(rows) > request.limit and hits:
            last = hits[-1]
            next_key = (getattr(last, keys[0][0]), last.product_id)
        return SearchOutcome(hits=hits, next_key=next_key)

    async def count(self, uow: UnitOfWork, request: SearchRequest, *, cap: int) -> int:
        if request.query is not None and request.query.is_empty:
            return 0
        await self.prepare(uow, request.fuzzy)
        matching = select(DOCS.c.product_id).where(*self._conditions(request)).limit(cap + 1).subquery()
        return int(await uow.session.scalar(select(func.count()).select_from(matching)) or 0)

    async def facet_rows(self, uow: UnitOfWork, request: SearchRequest) -> list[list[Any]]:
        """The one statement behind the facets (see ``_FacetTally``): its rows depend on every
        filter but the brands, so one list serves any choice of brands (``count_facets``)."""
        if request.query is not None and request.query.is_empty:
            return []
        await self.prepare(uow, request.fuzzy)
        tally = _FacetTally(request.filters, with_specs=_with_specs(request))
        exclude = (*FACET_FILTERS, "spec") if tally.with_specs else FACET_FILTERS
        rows = await uow.session.execute(tally.query(self._conditions(request, exclude=exclude)))
        return [list(row) for row in rows.all()]

    async def facets(self, uow: UnitOfWork, request: SearchRequest) -> FacetCounts:
        return count_facets(request, await self.facet_rows(uow, request))

    async def suggest(self, uow: UnitOfWork, query: ParsedQuery, limit: int) -> list[tuple[str, str]]:
        if query.is_empty:
            return []
        source, text_score, matching = self.ranked(query, False)
        rows = await uow.session.execute(
            select(DOCS.c.product_id, DOCS.c.title)
            .select_from(source)
            .where(*_visible(), *matching)
            .order_by((text_score * DOCS.c.quality).desc(), DOCS.c.product_id)
            .limit(limit)
        )
        return [(pid, title) for pid, title in rows.all()]


def _price_bucket() -> ColumnElement[int]:
    """The index of the price range a document falls in (PRICE_BUCKETS)."""
    whens = [
        (DOCS.c.price_min_fen < high, number)
        for number, (_, high) in enumerate(PRICE_BUCKETS)
        if high is not None
    ]
    return case(*whens, else_=len(PRICE_BUCKETS) - 1)


class _FacetTally:
    """One pass over the matches for every facet, each facet ignoring its own filter.

    The pass keeps every filter except category, brand and price. It groups the matches by
    leaf path, brand and price range, and by whether each row passes the category and price
    filters (those in use); the brand filter is applied here, to the brand of each group, so
    the pass and its rows are the same whatever brands are chosen (and cached so). Each facet
    then adds up the rows that pass every filter but its own, and the rows that pass all are
    the matches. With spec values, the spec filter becomes such a flag too and the matches
    are a CTE read twice (found once): grouped as above, and joined to their spec values,
    counted per brand for the rows that pass category and price, beside them (``UNION ALL``).
    """

    def __init__(self, filters: Filters, *, with_specs: bool) -> None:
        self.flags: dict[str, ColumnElement[bool]] = {}
        if filters.category_id is not None:
            below = f"/{filters.category_id}/"
            self.flags["category"] = DOCS.c.category_path.contains(below, autoescape=True)
        price = [
            condition
            for condition in (
                DOCS.c.price_min_fen >= filters.price_min_fen if filters.price_min_fen is not None else None,
                DOCS.c.price_min_fen <= filters.price_max_fen if filters.price_max_fen is not None else None,
            )
            if condition is not None
        ]
        if price:
            self.flags["price"] = and_(*price)
        self.brand_ids = set(filters.brand_ids)
        self.with_specs = with_specs
        self.spec_filter = _spec_conditions(filters) if with_specs else []
        self.leaves: dict[tuple[str, str], int] = {}
        self.brands: dict[tuple[str, str], int] = {}
        self.buckets = [0] * len(PRICE_BUCKETS)
        self.specs: dict[tuple[str, str], int] = {}
        self.matching = 0

    def query(self, conditions: list[ColumnElement[bool]]) -> Select[Any] | CompoundSelect[Any]:
        """Rows (path, names, brand id, brand name, bucket, flags…, spec name, spec value,
        count) of the documents meeting ``conditions``: every filter but the faceted ones."""
        flags = [case((flag, 1), else_=0).label(f"{name}_ok") for name, flag in self.flags.items()]
        keys = [
            DOCS.c.category_path,
            DOCS.c.category_names,
            DOCS.c.brand_id,
            DOCS.c.brand_name,
            _price_bucket().label("bucket"),
            *flags,
        ]
        unnamed = [cast(null(), String).label("spec_name"), cast(null(), String).label("spec_value")]
        if not self.with_specs:
            counted = select(*keys).where(*conditions, *_at_most_one_failing(flags)).subquery("matches")
            return self._grouped(counted, func.count(), unnamed)
        # Rows are weighed, not filtered: the planner cannot estimate a filter on a CTE's
        # computed columns, and guessing a few rows it chose sorts that spilled to disk.
        facet_weight = and_(true(), *self.spec_filter, *_at_most_one_failing(flags))
        spec_weight = and_(true(), *self.flags.values())
        matches = (
            select(
                DOCS.c.product_id,
                *keys,
                case((facet_weight, 1), else_=0).label("facet_weight"),
                case((spec_weight, 1), else_=0).label("spec_weight"),
            )
            .where(*conditions)
            .cte("matches")
        )
        count = func.sum(matches.c.spec_weight)
        spec_values = (
            select(
                *(
                    matches.c.brand_id if k.name == "brand_id" else cast(null(), k.type).label(k.name)
                    for k in keys
                ),
                SPECS.c.name,
                SPECS.c.value,
                count.label("count"),
            )
            .select_from(matches.join(SPECS, SPECS.c.product_id == matches.c.product_id))
            .group_by(matches.c.brand_id, SPECS.c.name, SPECS.c.value)
            .having(count > 0)
        )
        return union_all(self._grouped(matches, func.sum(matches.c.facet_weight), unnamed), spec_values)

    def _grouped(self, matches: FromClause, count: ColumnElement[Any], unnamed: Sequence[Any]) -> Select[Any]:
        names = ["category_path", "category_names", "brand_id", "brand_name", "bucket"]
        keys = [matches.c[name] for name in names + [f"{flag}_ok" for flag in self.flags]]
        return (
            select(*keys, *unnamed, count.label("count"))
            .select_from(matches)
            .group_by(*keys)
            .having(count > 0)
        )

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        names = list(self.flags)
        for path, category_names, brand_id, brand_name, bucket, *rest in rows:
            passed, (spec_name, spec_value, n) = rest[: len(names)], rest[len(names) :]
            failed = {name for name, ok in zip(names, passed, strict=True) if not ok}
            if self.brand_ids and brand_id not in self.brand_ids:
                failed.add("brand")
            if spec_name is not None:  # counted for the rows passing category and price
                if "brand" not in failed:
                    self.specs[(spec_name, spec_value)] = self.specs.get((spec_name, spec_value), 0) + n
                continue
            if not failed:
                self.matching += n
            if not failed - {"category"}:
                key = (path, category_names)
                self.leaves[key] = self.leaves.get(key, 0) + n
            if not failed - {"brand"} and brand_id is not None:
                self.brands[(brand_id, brand_name)] = self.brands.get((brand_id, brand_name), 0) + n
            if not failed - {"price"}:
                self.buckets[int(bucket)] += n

    def facets(self) -> dict[str, Any]:
        brands = sorted(self.brands.items(), key=lambda item: (-item[1], item[0][0]))[:BRAND_FACETS]
        top = sorted(self.specs.items(), key=lambda item: (-item[1], item[0]))[:SPEC_FACETS]
        specs: dict[str, list[dict[str, Any]]] = {}
        for (name, value), n in top:
            specs.setdefault(name, []).append({"value": value, "count": n})
        return {
            "categories": _category_counts([(path, names, n) for (path, names), n in self.leaves.items()]),
            "brands": [{"id": bid, "name": name, "count": n} for (bid, name), n in brands],
            "price_ranges": [
                {"min_fen": low, "max_fen": high, "count": n}
                for (low, high), n in zip(PRICE_BUCKETS, self.buckets, strict=True)
                if n
            ],
            "specs": [{"name": name, "values": values} for name, values in specs.items()],
        }


def _with_specs(request: SearchRequest) -> bool:
    # Spec values mean something within a kind of product: counted once the results are
    # narrowed by words or by a category (across the whole catalog they are noise).
    return request.query is not None or request.filters.category_id is not None


def count_facets(request: SearchRequest, rows: Sequence[Sequence[Any]]) -> FacetCounts:
    """Categories, brands, price ranges and spec values, each ignoring its own filter, and
    how many documents match, from the rows of ``facet_rows`` for this search's filters."""
    if request.query is not None and request.query.is_empty:
        return FacetCounts(_empty_facets(), 0)
    tally = _FacetTally(request.filters, with_specs=_with_specs(request))
    tally.add(rows)
    return FacetCounts(tally.facets(), tally.matching)


def _at_most_one_failing(flags: Sequence[ColumnElement[int]]) -> list[ColumnElement[bool]]:
    """A row failing two of the faceted filters counts in no facet."""
    return [sum(flags[1:], flags[0]) >= len(flags) - 1] if len(flags) >= 2 else []


def _category_counts(leaves: Sequence[Any]) -> list[dict[str, Any]]:
    """Counts per leaf category path → counts for every category on those paths."""
    totals: dict[str, dict[str, Any]] = {}
    for path, names_json, n in leaves:
        try:
            names = json.loads(names_json)
        except ValueError:
            names = []
        names = names if isinstance(names, list) else []
        for level, category_id in enumerate((c for c in path.split("/") if c), start=1):
            name = names[level - 1] if level - 1 < len(names) and isinstance(names[level - 1], str) else ""
            entry = totals.setdefault(
                category_id, {"id": category_id, "name": name, "level": level, "count": 0}
            )
            entry["count"] += int(n)
    ranked = sorted(totals.values(), key=lambda c: (c["level"], -c["count"], c["id"]))
    return ranked[:CATEGORY_FACETS]


def _empty_facets() -> dict[str, Any]:
    return {"categories": [], "brands": [], "price_ranges": [], "specs": []}


class SqliteFtsEngine(SqlSearchEngine):
    """SQLite FTS5 (``unicode61`` over pre-segmented tokens), ranked by bm25."""

    name = "sqlite-fts5"

    def match(self, query: ParsedQuery, fuzzy: bool) -> ColumnElement[bool]:
        matching = (
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :fts_match")
            .bindparams(fts_match=fts5_query(query))
            .columns(rowid=BigInteger())
        )
        return false() if fuzzy else DOCS.c.doc_no.in_(matching)

    def ranked(
        self, query: ParsedQuery, fuzzy: bool
    ) -> tuple[FromClause, ColumnElement[float], list[ColumnElement[bool]]]:
        # Column weights: title 10, body 4, pinyin 2, initials 1.5, characters 1.
        matches = (
            text(
                "SELECT rowid AS doc_no, bm25(search_fts, 10.0, 4.0, 2.0, 1.5, 1.0) AS rank"
                " FROM search_fts WHERE search_fts MATCH :fts_rank"
            )
            .bindparams(fts_rank=fts5_query(query))
            .columns(doc_no=BigInteger(), rank=Float())
            .subquery("matches")
        )
        return DOCS.join(matches, matches.c.doc_no == DOCS.c.doc_no), -matches.c.rank, []

    def title_match(self, clause: ParsedQuery) -> ColumnElement[bool]:
        title_words = fts5_query(clause, column="title_tokens")
        words: BindParameter[str] = bindparam("fts_title", title_words, unique=True)
        titles = (
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :fts_title")
            .bindparams(words)
            .columns(rowid=BigInteger())
        )
        return DOCS.c.doc_no.in_(titles)


class PostgresEngine(SqlSearchEngine):
    """PostgreSQL ``tsvector`` (``simple`` lexemes, GIN) ranked by ``ts_rank``; pg_trgm for typos."""

    name = "postgresql"
    supports_fuzzy = True
    WORD_SIMILARITY = 0.3

    _tsv = literal_column("search_documents.tsv", postgresql.TSVECTOR)

    def match(self, query: ParsedQuery, fuzzy: bool) -> ColumnElement[bool]:
        if fuzzy:
            # The similar titles first, from the trigram index: the planner cannot estimate
            # `<%` and, sorting by a column, walked the sort's index testing every row.
            similar = (
                select(DOCS.c.product_id)
                .where(literal(query.text).bool_op("<%")(DOCS.c.title))
                .cte("similar_titles")
                .prefix_with("MATERIALIZED")
            )
            return DOCS.c.product_id.in_(select(similar.c.product_id))
        return self._tsv.bool_op("@@")(cast(literal(tsquery(query)), postgresql.TSQUERY))

    def ranked(
        self, query: ParsedQuery, fuzzy: bool
    ) -> tuple[FromClause, ColumnElement[float], list[ColumnElement[bool]]]:
        if fuzzy:
            score = func.word_similarity(query.text, DOCS.c.title, type_=Float)
        else:
            score = func.ts_rank(self._tsv, cast(literal(tsquery(query)), postgresql.TSQUERY), type_=Float)
        return DOCS, score, [self.match(query, fuzzy)]

    def title_match(self, clause: ParsedQuery) -> ColumnElement[bool]:
        # The title's own lexemes, built for the rows already matched: ``tsv`` holds no
        # positions, and weights live on positions, so a weight-A query cannot tell them apart.
        title = func.array_to_tsvector(func.string_to_array(DOCS.c.title_tokens, " "))
        return title.bool_op("@@")(cast(literal(tsquery(clause)), postgresql.TSQUERY))

    # For this transaction only. A search's parameters decide its plan (a word in five titles
    # or in 20 000), so each is planned for its own: the generic plan PostgreSQL settles on for
    # a prepared statement walked a sort index past every row for a rare word (0.4 s instead
    # of 5 ms). JIT compiling cost a facet pass more (50-90 ms) than it saved, and so did
    # parallel workers with many searches at once. The search tables are read from memory:
    # at the default random_page_cost (4, for spinning disks) a word in a fifth of the
    # documents was matched by a sequential scan unpacking every tsvector rather than by the
    # GIN index (searches on the bench catalog took 30 % less time in all).
    SETTINGS = (
        ("plan_cache_mode", "force_custom_plan"),
        ("jit", "off"),
        ("max_parallel_workers_per_gather", "0"),
        ("random_page_cost", "1.1"),
    )

    async def prepare(self, uow: UnitOfWork, fuzzy: bool) -> None:
        settings = list(self.SETTINGS)
        if fuzzy:  # `<%` uses this threshold
            settings.append(("pg_trgm.word_similarity_threshold", str(self.WORD_SIMILARITY)))
        await uow.session.execute(select(*(func.set_config(name, value, True) for name, value in settings)))


def engine_for(dialect: str) -> SqlSearchEngine:
    """The engine for a database dialect (``ctx.database.dialect``)."""
    if dialect == "postgresql":
        return PostgresEngine()
    if dialect == "sqlite":
        return SqliteFtsEngine()
    raise ValueError(f"no search engine for {dialect!r}")
