"""search: documents, their categories and specs, state, synonyms, query log; full-text structures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 07:00:00

The full-text structure depends on the database and is created with raw SQL:

* SQLite: an FTS5 table ``search_fts`` over the pre-segmented columns of ``search_documents``
  (external content, rowid = ``doc_no``, ``unicode61`` tokenizer), kept in sync by triggers.
* PostgreSQL: the ``pg_trgm`` extension, a generated ``tsv`` column (weights A title, B body,
  C pinyin and initials, D single characters) with a GIN index, and a trigram GIN index on
  ``title``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jishi.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_tokens, body_tokens, pinyin, initials, chars,
        content='search_documents', content_rowid='doc_no',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3'
    )""",
    """CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title_tokens, body_tokens, pinyin, initials, chars)
        VALUES (new.doc_no, new.title_tokens, new.body_tokens, new.pinyin, new.initials, new.chars);
    END""",
    """CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens, pinyin, initials, chars)
        VALUES ('delete', old.doc_no, old.title_tokens, old.body_tokens, old.pinyin, old.initials, old.chars);
    END""",
    """CREATE TRIGGER search_documents_fts_update
    AFTER UPDATE OF doc_no, title_tokens, body_tokens, pinyin, initials, chars ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens, pinyin, initials, chars)
        VALUES ('delete', old.doc_no, old.title_tokens, old.body_tokens, old.pinyin, old.initials, old.chars);
        INSERT INTO search_fts(rowid, title_tokens, body_tokens, pinyin, initials, chars)
        VALUES (new.doc_no, new.title_tokens, new.body_tokens, new.pinyin, new.initials, new.chars);
    END""",
]

POSTGRES_FTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(array_to_tsvector(string_to_array(title_tokens, ' ')), 'A')
        || setweight(array_to_tsvector(string_to_array(body_tokens, ' ')), 'B')
        || setweight(array_to_tsvector(string_to_array(pinyin, ' ')), 'C')
        || setweight(array_to_tsvector(string_to_array(initials, ' ')), 'C')
        || setweight(array_to_tsvector(string_to_array(chars, ' ')), 'D')
    ) STORED""",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX ix_search_documents_title_trgm ON search_documents USING gin (title gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("product_id", sa.String(length=26), nullable=False),
        sa.Column("doc_no", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.String(length=26), nullable=False),
        sa.Column("shop_active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=26), nullable=False),
        sa.Column("category_path", sa.String(length=100), nullable=False),
        sa.Column("category_names", sa.String(length=200), nullable=False),
        sa.Column("brand_id", sa.String(length=26), nullable=True),
        sa.Column("brand_name", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("subtitle", sa.String(length=200), nullable=False),
        sa.Column("price_min_fen", sa.BigInteger(), nullable=False),
        sa.Column("price_max_fen", sa.BigInteger(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=False),
        sa.Column("rating_avg", sa.Float(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("published_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("title_tokens", sa.Text(), nullable=False),
        sa.Column("body_tokens", sa.Text(), nullable=False),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.Column("initials", sa.Text(), nullable=False),
        sa.Column("chars", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("indexed_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_search_documents_doc_no")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index("ix_search_documents_brand", ["brand_id", "brand_name"], unique=False)
        batch_op.create_index(
            "ix_search_documents_category", ["category_path", "category_names"], unique=False
        )
        batch_op.create_index("ix_search_documents_price", ["price_min_fen", "product_id"], unique=False)
        batch_op.create_index("ix_search_documents_published", ["published_at", "product_id"], unique=False)
        batch_op.create_index("ix_search_documents_quality", ["quality", "product_id"], unique=False)
        batch_op.create_index("ix_search_documents_rating", ["rating_avg", "product_id"], unique=False)
        batch_op.create_index("ix_search_documents_sales", ["sales_count", "product_id"], unique=False)
        batch_op.create_index("ix_search_documents_shop", ["shop_id", "product_id"], unique=False)

    op.create_table(
        "search_document_categories",
        sa.Column("product_id", sa.String(length=26), nullable=False),
        sa.Column("category_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["search_documents.product_id"],
            name=op.f("fk_search_document_categories_product_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "category_id", name=op.f("pk_search_document_categories")),
    )
    with op.batch_alter_table("search_document_categories", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_document_categories_category", ["category_id", "product_id"], unique=False
        )

    op.create_table(
        "search_document_specs",
        sa.Column("product_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["search_documents.product_id"],
            name=op.f("fk_search_document_specs_product_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "name", "value", name=op.f("pk_search_document_specs")),
    )
    with op.batch_alter_table("search_document_specs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_document_specs_name_value", ["name", "value", "product_id"], unique=False
        )

    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("synonyms_version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.create_table(
        "search_synonyms",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("created_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=26), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonyms")),
    )
    op.create_table(
        "search_queries",
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("pinyin", sa.String(length=400), nullable=False),
        sa.Column("initials", sa.String(length=100), nullable=False),
        sa.Column("total_count", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("query", name=op.f("pk_search_queries")),
    )
    with op.batch_alter_table("search_queries", schema=None) as batch_op:
        batch_op.create_index("ix_search_queries_total", ["total_count", "query"], unique=False)

    op.create_table(
        "search_query_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "query", name=op.f("pk_search_query_days")),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_FTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_documents_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_title_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
        op.execute("ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv")
        # pg_trgm stays: other tables may come to use it.

    op.drop_table("search_query_days")
    with op.batch_alter_table("search_queries", schema=None) as batch_op:
        batch_op.drop_index("ix_search_queries_total")
    op.drop_table("search_queries")
    op.drop_table("search_synonyms")
    op.drop_table("search_state")
    with op.batch_alter_table("search_document_specs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_document_specs_name_value")
    op.drop_table("search_document_specs")
    with op.batch_alter_table("search_document_categories", schema=None) as batch_op:
        batch_op.drop_index("ix_search_document_categories_category")
    op.drop_table("search_document_categories")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_search_documents_shop")
        batch_op.drop_index("ix_search_documents_sales")
        batch_op.drop_index("ix_search_documents_rating")
        batch_op.drop_index("ix_search_documents_quality")
        batch_op.drop_index("ix_search_documents_published")
        batch_op.drop_index("ix_search_documents_price")
        batch_op.drop_index("ix_search_documents_category")
        batch_op.drop_index("ix_search_documents_brand")
    op.drop_table("search_documents")
