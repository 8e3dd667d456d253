"""Cursor pagination: ``{"items": [...], "next_cursor": ...}`` with ``limit`` 1..100.

A cursor is opaque to clients: the typed position of the last item of a page, signed for
the one list that issued it. Lists declare ``CursorCodec(list_name, Position)`` and never
read a cursor any other way, so a forged, edited or borrowed cursor is a 422, not a query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from jishi.core.errors import AppError, FieldError
from jishi.core.security import Keyring

T = TypeVar("T")
P = TypeVar("P", bound="CursorPosition")

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

# The types a position may hold; each maps onto a column without surprising the database.
CursorId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,40}$")]
CursorText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
CursorInt = Annotated[int, Field(ge=-(2**62), le=2**62)]
CursorFloat = Annotated[float, Field(ge=-1e300, le=1e300, allow_inf_nan=False)]

_KEY_PURPOSE = b"jishi/pagination-cursor/v1"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class CursorPosition(BaseModel):
    """Where a page ended; subclasses name the sort key fields of one list."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def invalid_cursor() -> AppError:
    return AppError(
        "invalid_cursor",
        field_errors=[
            FieldError("cursor", "invalid_cursor", "分页游标无效。", "The pagination cursor is invalid.")
        ],
    )


class CursorCodec(Generic[P]):
    """Turns one list's positions into signed cursors (HMAC-SHA256, base64url) and back."""

    def __init__(self, list_name: str, position: type[P]) -> None:
        self.list_name = list_name
        self.position = position

    def encode(self, keyring: Keyring, position: P) -> str:
        payload = position.model_dump_json().encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(keyring, payload))}"

    def decode(self, keyring: Keyring, cursor: str | None) -> P | None:
        if cursor is None:
            return None
        payload_part, dot, mac_part = cursor.partition(".")
        try:
            payload, mac = _b64decode(payload_part), _b64decode(mac_part)
        except ValueError as exc:
            raise invalid_cursor() from exc
        if not dot or not hmac.compare_digest(mac, self._mac(keyring, payload)):
            raise invalid_cursor()
        try:
            return self.position.model_validate_json(payload)
        except ValidationError as exc:
            raise invalid_cursor() from exc

    def _mac(self, keyring: Keyring, payload: bytes) -> bytes:
        # The list's name is signed too, so one list's cursor is refused by every other.
        message = self.list_name.encode() + b"\x00" + payload
        return hmac.new(keyring.derive(_KEY_PURPOSE), message, hashlib.sha256).digest()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    """Strict: any character outside the alphabet is a ValueError (binascii.Error is one)."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
