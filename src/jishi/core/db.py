"""Database engine, declarative base and the unit of work.

The same models and migrations run on SQLite (embedded default) and on
PostgreSQL (production); only the engine set-up differs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, String, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from jishi.core.clock import Clock
from jishi.core.ids import ID_LENGTH, new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are stored as naive UTC there and
    re-labelled on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; use the application clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def id_column() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A pool as large as a worker's usual number of requests in flight: connections
    # beyond pool_size are closed when returned, and opening one costs a backend start.
    return create_async_engine(url, echo=echo, pool_size=20, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions and units of work."""

    def __init__(self, url: str, clock: Clock, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock
        self.after_commit_hooks: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self)

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


class UnitOfWork:
    """One business transaction: a session, the events it raises, one commit.

    Events go to the outbox table inside the same transaction, so a state
    change and the news of it are stored together or not at all.
    """

    session: AsyncSession

    def __init__(self, database: Database) -> None:
        self.database = database
        self.clock = database.clock
        self._published = False

    async def __aenter__(self) -> UnitOfWork:
        self.session = self.database.sessionmaker()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing ends any transaction still open, discarding what was not
        # committed, while objects already loaded stay readable (detached).
        try:
            if exc is not None and self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Record an event in the outbox; it leaves only if the transaction commits."""
        from jishi.core.events import OutboxMessage

        self.session.add(
            OutboxMessage(
                topic=topic, payload=payload, created_at=self.clock.now(), available_at=self.clock.now()
            )
        )
        self._published = True

    async def commit(self) -> None:
        await self.session.commit()
        if self._published:
            self._published = False
            for hook in self.database.after_commit_hooks:
                hook()

    async def rollback(self) -> None:
        await self.session.rollback()
        self._published = False

    def now(self) -> datetime:
        return self.clock.now()


def upsert(dialect: str, table: Any) -> Any:
    """``INSERT … ON CONFLICT`` for the dialect at hand (both speak it)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)
