"""Cursor pagination: ``{"items": [...], "next_cursor": ...}`` with ``limit`` 1..100."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from jishi.core.errors import AppError

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1..100")]
# The pattern is declared, not enforced here: the codec answers 422 ``invalid_cursor`` itself.
CursorParam = Annotated[
    str | None,
    Query(
        max_length=500,
        description="From the previous page",
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]+$"},
    ),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AppError("invalid_cursor") from exc
    if not isinstance(value, dict):
        raise AppError("invalid_cursor")
    return value
