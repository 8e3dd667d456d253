"""JSON written by the database, the same shapes on SQLite and PostgreSQL.

A read whose answer is JSON (a product page) can let the database write the text: one row
per answer instead of one per nested row, and no Python work per field. PostgreSQL builds it
with ``json_build_object``/``json_agg``, SQLite with ``json_object``/``json_group_array``;
the text differs only in spacing. Values are escaped by the database; object keys are
fixed names from the code, never input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Text,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

_NAME = re.compile(r"[a-z_]+")


class SqlJson:
    """Builders of JSON expressions for one dialect (``Database.dialect``)."""

    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"

    def object(self, fields: Mapping[str, ColumnElement[Any]]) -> ColumnElement[Any]:
        """An object of these fields, in this order."""
        arguments: list[ColumnElement[Any]] = []
        for name, value in fields.items():
            if not _NAME.fullmatch(name):
                raise ValueError(f"not a field name: {name!r}")
            arguments += [literal_column(f"'{name}'"), value]
        return func.json_build_object(*arguments) if self.postgresql else func.json_object(*arguments)

    def text(self, value: str) -> ColumnElement[Any]:
        """A string constant (no bind parameter: PostgreSQL cannot type one inside JSON builders)."""
        if not _NAME.fullmatch(value):
            raise ValueError(f"not a plain constant: {value!r}")
        return literal_column(f"'{value}'")

    def boolean(self, condition: ColumnElement[Any]) -> ColumnElement[Any]:
        """``true``/``false`` (SQLite has no boolean type: it would write 1 and 0)."""
        if self.postgresql:
            return condition
        return func.json(case((condition, "true"), else_="false"))

    def stored(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A JSON column's value as JSON (SQLite keeps it as text, which would be quoted)."""
        return column if self.postgresql else func.json(column)

    def when(self, present: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
        """``value`` where ``present`` holds, else ``null``."""
        chosen = case((present, value))
        return chosen if self.postgresql else func.json(chosen)

    def array(
        self,
        item: ColumnElement[Any],
        *,
        source: FromClause,
        where: Sequence[ColumnElement[bool]],
        order_by: Sequence[ColumnElement[Any]],
    ) -> ColumnElement[Any]:
        """The array of ``item`` over the rows of ``source`` meeting ``where``, in order
        (``[]`` for none): a correlated subquery, so it may refer to the outer query's tables."""
        if self.postgresql:
            aggregated = func.json_agg(aggregate_order_by(item, *order_by))
            return (
                select(func.coalesce(aggregated, literal_column("'[]'::json")))
                .where(*where)
                .scalar_subquery()
            )
        # An aggregate over an ordered subquery sees its rows in order (SQLite never flattens
        # such a subquery into an aggregate); json() keeps the array JSON across the subquery.
        rows = (
            select(item.label("item"))
            .select_from(source)
            .where(*where)
            .order_by(*order_by)
            .correlate_except(source)
            .subquery()
        )
        return func.json(select(func.json_group_array(func.json(rows.c.item))).scalar_subquery())

    def as_text(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        """The JSON as text, as the driver hands it back (asyncpg would parse ``json``)."""
        return cast(value, Text) if self.postgresql else value
