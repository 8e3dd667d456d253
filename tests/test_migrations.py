"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from jishi.core.context import AppContext
from jishi.core.db import Base
from jishi.search.models import is_schema_object


async def test_migrated_schema_matches_models(app_ctx: AppContext) -> None:
    def diff(connection: Connection) -> list[Any]:
        # The search engine's full-text objects (FTS5 tables on SQLite, the tsvector column and
        # GIN/trigram indexes on PostgreSQL) are made with raw SQL and are not in the models.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": is_schema_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with app_ctx.database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
