"""Keeping the index in step with the catalog.

Product data is read only through ``jishi.catalog.service`` (``search_sources``,
``product_ids_of_shop``, ``product_ids_page``). Every write takes the index lock first, then
reads the catalog, so the last writer always stores the newest data, and a document whose
content did not change is not written at all (its fingerprint is compared), so repeated
or redundant events cost one small transaction and invalidate no cached page.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select

from jishi.catalog import service as catalog
from jishi.catalog.service import ProductSearchSource
from jishi.core.db import Database
from jishi.search import text
from jishi.search.engines import DOCS, IndexDocument, engine_for, lock_index

BATCH_SIZE = 500

T = TypeVar("T")


def quality(sales_count: int, rating_avg: float) -> float:
    """The popularity factor relevance is multiplied by: 1 + 0.25·log10(1 + sales) + 0.1·rating.

    10 sales add 0.26, 1 000 add 0.75, 100 000 add 1.25; a 5-star rating adds 0.5.
    """
    sales = max(0, sales_count)
    rating = min(5.0, max(0.0, rating_avg))
    return round(1.0 + 0.25 * math.log10(1 + sales) + 0.1 * rating, 6)


def is_visible(source: ProductSearchSource) -> bool:
    """Buyers see only products on sale in active shops."""
    return source.status == "on_sale" and source.shop_active


def spec_text(value: str) -> str:
    """A spec name or value as stored and as filters compare it: NFKC, trimmed (case kept)."""
    return unicodedata.normalize("NFKC", value).strip()


def _spec_pairs(spec_values: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    pairs: dict[tuple[str, str], None] = {}
    for raw_name, values in spec_values.items():
        name = spec_text(raw_name)[:50] if isinstance(raw_name, str) else ""
        if not name:
            continue
        for raw_value in values if isinstance(values, list) else []:
            value = spec_text(raw_value)[:100] if isinstance(raw_value, str) else ""
            if value:
                pairs[(name, value)] = None
    return tuple(pairs)


def _category_names(source: ProductSearchSource) -> str:
    names = [name[:50] for name in source.category_names][:3]
    return json.dumps(names, ensure_ascii=False)


def _timestamp(*candidates: object) -> datetime:
    for value in candidates:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def build_document(source: ProductSearchSource) -> IndexDocument:
    """What the index stores for one product: its facts and its segmented text."""
    spec_pairs = _spec_pairs(source.spec_values)
    body = [source.subtitle, source.brand_name, *source.category_names, *(v for _, v in spec_pairs)]
    words = text.index_text(source.title, body)
    return IndexDocument(
        product_id=source.product_id,
        shop_id=source.shop_id,
        shop_active=source.shop_active,
        status=source.status,
        category_id=source.category_id,
        category_path=source.category_path[:100],
        category_names=_category_names(source),
        brand_id=source.brand_id,
        brand_name=source.brand_name[:50],
        title=source.title[:120],
        subtitle=source.subtitle[:200],
        price_min_fen=source.price_min_fen,
        price_max_fen=source.price_max_fen,
        in_stock=source.stock_total > 0,
        sales_count=source.sales_count,
        rating_avg=float(source.rating_avg),
        quality=quality(source.sales_count, source.rating_avg),
        published_at=_timestamp(source.published_at, source.created_at),
        specs={name: sorted({v for n, v in spec_pairs if n == name}) for name in {n for n, _ in spec_pairs}},
        title_tokens=words.title_tokens,
        body_tokens=words.body_tokens,
        pinyin=words.pinyin,
        initials=words.initials,
        chars=words.chars,
        category_ids=tuple(c for c in source.category_path.split("/") if c),
        spec_pairs=spec_pairs,
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def index_products(database: Database, product_ids: Iterable[str], *, force: bool = False) -> int:
    """Bring these products' documents up to date (index, re-index or remove); idempotent.

    Returns how many documents were written or removed; ``force`` rewrites unchanged ones too.
    """
    await text.ready()
    engine = engine_for(database.dialect)
    changed = 0
    for chunk in _chunks(sorted(set(product_ids)), BATCH_SIZE):
        async with database.uow() as uow:
            await lock_index(uow)
            sources = await catalog.search_sources(uow, list(chunk))
            documents = [build_document(s) for s in sources if is_visible(s)]
            hidden = set(chunk) - {d.product_id for d in documents}
            changed += await engine.index(uow, documents, force=force)
            changed += await engine.remove(uow, hidden)
            await uow.commit()
    return changed


async def index_shop(database: Database, shop_id: str) -> int:
    """Re-index every product of a shop (it was suspended, or is active again)."""
    async with database.uow() as uow:
        product_ids = await catalog.product_ids_of_shop(uow, shop_id)
    return await index_products(database, product_ids)


@dataclass
class ReindexReport:
    products: int = 0
    changed: int = 0
    removed_stale: int = 0


async def reindex_all(
    database: Database,
    *,
    batch_size: int = BATCH_SIZE,
    force: bool = True,
    on_total: Callable[[int], None] = lambda total: None,
    on_batch: Callable[[int], None] = lambda done: None,
) -> ReindexReport:
    """Rebuild the whole index from the catalog, in batches, then drop documents of
    products that no longer exist. ``force`` (the default) rewrites every document, which
    also repairs derived rows; without it, unchanged documents are skipped."""
    report = ReindexReport()
    product_ids: list[str] = []
    async with database.uow() as uow:
        after: str | None = None
        while page := await catalog.product_ids_page(uow, after=after, limit=5000):
            product_ids.extend(page)
            after = page[-1]
    report.products = len(product_ids)
    on_total(len(product_ids))
    for chunk in _chunks(product_ids, batch_size):
        report.changed += await index_products(database, chunk, force=force)
        on_batch(len(chunk))
    known = set(product_ids)
    async with database.uow() as uow:
        indexed = list(await uow.session.scalars(select(DOCS.c.product_id)))
    stale = [pid for pid in indexed if pid not in known]
    if stale:
        report.removed_stale = await index_products(database, stale)
    return report
