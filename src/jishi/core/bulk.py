"""Rows of several tables written in as few statements as the database allows.

A unit of work stages plain rows (``UnitOfWork.stage``) and writes them together:
on PostgreSQL one statement whatever the number of tables (each table an ``INSERT …
SELECT … FROM jsonb_to_recordset(…)`` in a ``WITH``), on SQLite, which has no
data-modifying ``WITH``, one ``INSERT`` per table. Placing an order writes seven
tables; one round trip instead of seven is most of what it costs.

Rows are written in foreign-key order (parents first); on PostgreSQL the keys are
checked at the end of the statement, when every row is in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, TextClause, bindparam, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Executable

Row = dict[str, Any]
_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]


def with_defaults(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[Row]:
    """The rows with every column's Python-side default filled in where a row has no value,
    all with the same keys in the table's column order (one statement writes them all)."""
    plan = _plan(table, frozenset(key for row in rows for key in row))
    return [{key: row[key] if key in row else default() for key, default in plan} for row in rows]


@functools.lru_cache(maxsize=256)
def _plan(table: Table, given: frozenset[str]) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """Which columns a write of rows with these keys carries, each with what a row that
    lacks it gets (the column's Python-side default, or NULL)."""
    unknown = given - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {sorted(unknown)[0]}")
    return tuple(
        (column.key, _default_of(column))
        for column in table.columns
        if column.key in given or _default_of(column) is not _null
    )


def _null() -> None:
    return None


def _default_of(column: Column[Any]) -> Callable[[], Any]:
    default: Any = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return _null
    if default.is_callable:
        return functools.partial(default.arg, None)  # SQLAlchemy's wrapper takes a context
    value = default.arg
    return lambda: value


def statements(dialect: str, staged: Sequence[tuple[Table, list[Row]]]) -> list[tuple[Executable, Any]]:
    """What writes ``staged`` (tables already in foreign-key order, rows with the same keys
    per table): statements with their parameters."""
    if dialect != "postgresql" or len(staged) == 1:
        return [(insert(table), rows) for table, rows in staged]
    signature = tuple((table, tuple(rows[0])) for table, rows in staged)
    params = {f"rows_{n}": [_json_ready(row) for row in rows] for n, (_, rows) in enumerate(staged)}
    return [(_postgresql_statement(signature), params)]


@functools.lru_cache(maxsize=64)
def _postgresql_statement(signature: tuple[tuple[Table, tuple[str, ...]], ...]) -> TextClause:
    """One ``WITH`` of inserts: built once per set of tables and columns, so it is also
    prepared once per connection."""
    quote = _POSTGRESQL.identifier_preparer.quote
    parts = []
    for n, (table, keys) in enumerate(signature):
        columns = [table.columns[key] for key in keys]
        names = ", ".join(quote(c.name) for c in columns)
        shapes = ", ".join(f"{quote(c.name)} {c.type.compile(dialect=_POSTGRESQL)}" for c in columns)
        # Only table and column names of our own models, quoted; every value is a parameter.
        parts.append(
            f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "  # noqa: S608
            f"FROM jsonb_to_recordset(:rows_{n}) AS r({shapes})"
        )
    *first, last = parts
    sql = "WITH " + ", ".join(f"w{n} AS ({part})" for n, part in enumerate(first)) + " " + last
    return text(sql).bindparams(
        *(bindparam(f"rows_{n}", type_=postgresql.JSONB) for n in range(len(signature)))
    )


def _json_ready(row: Row) -> Row:
    return {key: _json_value(value) for key, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; use the application clock")
        return value.isoformat()
    return value
