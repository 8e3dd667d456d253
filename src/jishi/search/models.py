"""Tables of the search package.

``search_documents`` holds one row per product that buyers may find (on sale, in an active
shop), with everything filters, sorts and result lists need, so a search never touches the
catalog. Its segmented text feeds the engine's full-text structure, which the database keeps
in step by itself and which is not described here (see ``FULL_TEXT_OBJECTS``):

* SQLite: the FTS5 table ``search_fts`` (external content = ``search_documents``, rowid =
  ``doc_no``), kept in sync by three triggers;
* PostgreSQL: the generated ``tsv`` column with a GIN index, and a trigram (pg_trgm) GIN
  index on ``title`` for typo-tolerant matching.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH

# Engine-specific full-text objects created by the migration with raw SQL; schema comparisons
# (tests, autogenerate) leave exactly these alone.
FULL_TEXT_OBJECTS: dict[str, frozenset[str]] = {
    "tables": frozenset(
        {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config"}
    ),
    "columns": frozenset({"search_documents.tsv"}),
    "indexes": frozenset({"ix_search_documents_tsv", "ix_search_documents_title_trgm"}),
}


class SearchDocument(Base):
    """A product as buyers find it."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_sales", "sales_count", "product_id"),
        Index("ix_search_documents_price", "price_min_fen", "product_id"),
        Index("ix_search_documents_published", "published_at", "product_id"),
        Index("ix_search_documents_rating", "rating_avg", "product_id"),
        Index("ix_search_documents_quality", "quality", "product_id"),
        Index("ix_search_documents_shop", "shop_id", "product_id"),
        Index("ix_search_documents_brand", "brand_id", "brand_name"),
        Index("ix_search_documents_category", "category_path", "category_names"),
    )

    product_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # A stable integer per document: the rowid of the FTS5 table on SQLite.
    doc_no: Mapped[int] = mapped_column(BigInteger, unique=True)
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Only visible products are indexed; these two say so and let every query check it again.
    shop_active: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    category_path: Mapped[str] = mapped_column(String(100))
    category_names: Mapped[str] = mapped_column(String(200), default="[]")  # JSON: root → leaf
    brand_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    brand_name: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(String(120))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    price_min_fen: Mapped[int] = mapped_column(BigInteger)
    price_max_fen: Mapped[int] = mapped_column(BigInteger)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    sales_count: Mapped[int] = mapped_column(Integer)
    rating_avg: Mapped[float] = mapped_column(Float)
    # 1 + 0.25·log10(1 + sales) + 0.1·rating: multiplies text relevance (see docs/architecture.md).
    quality: Mapped[float] = mapped_column(Float)
    published_at: Mapped[datetime]
    specs: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Pre-segmented text (space-separated tokens), the input of the full-text structure.
    title_tokens: Mapped[str] = mapped_column(Text, default="")
    body_tokens: Mapped[str] = mapped_column(Text, default="")
    pinyin: Mapped[str] = mapped_column(Text, default="")
    initials: Mapped[str] = mapped_column(Text, default="")
    chars: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))  # of everything stored, to skip no-op writes
    indexed_at: Mapped[datetime]


class SearchDocumentCategory(Base):
    """A document under a category, one row per level of its path, so a category filter
    includes the categories below it with one indexed equality."""

    __tablename__ = "search_document_categories"
    __table_args__ = (Index("ix_search_document_categories_category", "category_id", "product_id"),)

    product_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("search_documents.product_id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)


class SearchDocumentSpec(Base):
    """One spec value of a document (颜色 = 黑), the filterable form of ``specs``."""

    __tablename__ = "search_document_specs"
    __table_args__ = (Index("ix_search_document_specs_name_value", "name", "value", "product_id"),)

    product_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("search_documents.product_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class SearchState(Base):
    """One row. ``generation`` grows with every change of the index or of the synonyms (it keys
    cached result pages); ``synonyms_version`` with every change of the synonyms. Index writers
    lock this row first, so they apply their changes one at a time."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    synonyms_version: Mapped[int] = mapped_column(BigInteger, default=0)


class SearchSynonym(Base):
    """A group of equivalent search terms (同义词组), edited by platform operators."""

    __tablename__ = "search_synonyms"

    id: Mapped[str] = id_column()
    terms: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class LoggedQuery(Base):
    """A query buyers have searched for (and found something), with its pinyin, for autocomplete."""

    __tablename__ = "search_queries"
    __table_args__ = (Index("ix_search_queries_total", "total_count", "query"),)

    query: Mapped[str] = mapped_column(String(100), primary_key=True)
    pinyin: Mapped[str] = mapped_column(String(400))
    initials: Mapped[str] = mapped_column(String(100))
    total_count: Mapped[int] = mapped_column(BigInteger)
    last_seen_at: Mapped[datetime]


class LoggedQueryDay(Base):
    """How often a query was searched on one (UTC) day, for hot searches (热搜)."""

    __tablename__ = "search_query_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


def is_schema_object(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """False for the engine-specific full-text objects (an Alembic ``include_name`` hook)."""
    if type_ == "table":
        return name not in FULL_TEXT_OBJECTS["tables"]
    if type_ == "column":
        return f"{parent_names.get('table_name')}.{name}" not in FULL_TEXT_OBJECTS["columns"]
    if type_ == "index":
        return name not in FULL_TEXT_OBJECTS["indexes"]
    return True
