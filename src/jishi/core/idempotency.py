"""Idempotent POSTs: the same ``Idempotency-Key`` with the same body returns the first answer.

The key is recorded in the same transaction as the work it guards. Two
simultaneous requests with one key collide on the unique index: the loser's
transaction rolls back and it answers with what the winner stored, so a
double-click or a retry after a timeout never does the work twice.

A record answers for ``KEY_LIFETIME`` (24 hours, as Stripe keeps its keys): far longer
than any client retries a request, short enough that the table stays the size of a
day's traffic. An older record counts as absent, so the same key then does the work
again; the periodic job ``idempotency.purge_expired`` deletes such records.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Index, Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, Database, UnitOfWork, id_column
from jishi.core.errors import AppError
from jishi.core.ids import ID_LENGTH

if TYPE_CHECKING:
    from jishi.core.context import AppContext

MAX_KEY_LENGTH = 100
KEY_INDEX = "uq_idempotency_records_owner_scope_key"
KEY_LIFETIME = timedelta(hours=24)
PURGE_BATCH = 1000


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (Index(KEY_INDEX, "owner_id", "scope", "key", unique=True),)

    id: Mapped[str] = id_column()
    owner_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    scope: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


def is_key_conflict(error: IntegrityError) -> bool:
    """Whether ``error`` is another request having claimed the same key first (the unique
    index on owner, scope and key), as opposed to any other broken constraint."""
    message = str(error.orig)
    # PostgreSQL names the index; SQLite names the table and columns.
    return KEY_INDEX in message or "idempotency_records.owner_id, idempotency_records.scope" in message


def request_fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def find_replay(
    uow: UnitOfWork, owner_id: str, scope: str, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    """The stored answer for this key, or ``None`` when the work has not been done yet.

    A record older than ``KEY_LIFETIME`` is ``None`` too, whatever request it answered:
    it is deleted in the caller's transaction, so that a ``claim`` of the key in that same
    transaction can take its place (the unique index would refuse it otherwise).
    """
    record = await uow.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.owner_id == owner_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.created_at < uow.now() - KEY_LIFETIME:
        await uow.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
        uow.session.expunge(record)
        return None
    if record.request_hash != fingerprint:
        raise AppError("idempotency_key_reused")
    return record


def claim(uow: UnitOfWork, owner_id: str, scope: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """Add the key to the current transaction; ``store`` fills in the answer before commit."""
    record = IdempotencyRecord(
        owner_id=owner_id, scope=scope, key=key, request_hash=fingerprint, created_at=uow.now()
    )
    uow.session.add(record)
    return record


def store(record: IdempotencyRecord, status_code: int, body: Any) -> None:
    record.status_code = status_code
    record.response_body = body


async def purge_expired(database: Database, *, before: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` records created before ``before``; returns how many."""
    old = select(IdempotencyRecord.id).where(IdempotencyRecord.created_at < before).limit(batch)
    async with database.uow() as uow:
        result = await uow.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(old.scalar_subquery()))
        )
        await uow.commit()
    return int(result.rowcount)


async def purge_expired_job(ctx: AppContext) -> int:
    """Records past their lifetime answer nothing; deleting them only keeps the table small,
    so once an hour is enough."""
    purged = 0
    before = ctx.clock.now() - KEY_LIFETIME
    while (count := await purge_expired(ctx.database, before=before)) > 0:
        purged += count
    return purged
