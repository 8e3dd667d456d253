"""Database engine, declarative base and the unit of work.

The same models and migrations run on SQLite (embedded default) and on
PostgreSQL (production); only the engine set-up differs.

**The unit of work** (``UnitOfWork``) is one ``async with``: a session, the rows it stages,
the events it publishes. It is entered once. Inside it, ``commit()`` ends a transaction
and the next statement begins another; flows that must not hold a transaction while they
call a gateway commit or roll back first and go on in the same unit of work.

**Three ways to the database, chosen by what the work is:**

- *The ORM session* (``uow.session``) for ordinary work on objects loaded to be changed or
  shown: profiles, shops, categories, products' descriptive columns, carts' reads.
- *Core statements* (``uow.execute``) for reads of a few columns and for conditional updates
  on hot paths (signing in, SKU offers, stock counters, order and payment transitions): a
  few hundred microseconds less per statement than the session, built once per dialect.
- *Staged rows* (``uow.stage``) for rows to insert together at commit (checkout, the stock
  ledger, the outbox): one statement for several tables on PostgreSQL.

**Each table is written in one of the two styles**, ORM objects or explicit statements
(Core and staged rows), never both, so nothing the session holds is overwritten behind its
back; the table of who owns and writes what is in docs/architecture.md ("Who owns each
table"). Rows written by statements are read back through statements, or through the
session with ``populate_existing``.

**Order of writes:** before every ``execute`` and at ``commit``, pending ORM changes are
flushed first, then staged rows are written, parents first by foreign key. So a staged row
may refer to a row of the session, never the reverse.

**In a request, the last commit waits for the answer.** The request's unit of work
(``hold_commits()``, set by ``core.http.get_uow``) writes everything at ``commit()`` but
keeps the transaction open until the answer has been built; an error while building it
rolls the whole request back, so a request that fails changes nothing. A held commit is
made real as soon as the flow goes on with other database work (``execute``, another
``commit``, ``rollback``, or another unit of work in the same request), so flows that end
a transaction before asking a gateway keep that boundary. ``commit_now()`` commits at once
for work that must stand even when the request then fails (a replayed token's revocation).

Staged rows are typed: each staged table has a ``Staging[RowType]`` beside its model, whose
``RowType`` is a ``TypedDict`` of its columns, so a misspelt or missing column fails type
checking, not the commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    DateTime,
    MetaData,
    String,
    Table,
    TableClause,
    any_,
    bindparam,
    event,
    exc,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.types import TypeDecorator

from jishi.core import bulk
from jishi.core.clock import Clock
from jishi.core.ids import ID_LENGTH, new_id
from jishi.core.pool import FairPool

if TYPE_CHECKING:
    from jishi.core.events import Event

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


def create_engine(url: str, *, echo: bool = False, pool_size: int = 20) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A fixed pool, no overflow: when more requests want the database than there are
    # connections, they wait their turn, in order (``FairPool``). Overflow connections
    # would be opened and closed again request after request under load (a backend
    # start, codec introspection and statement preparation each time), which costs
    # more than the wait.
    engine = create_async_engine(
        url, echo=echo, poolclass=FairPool, pool_size=pool_size, max_overflow=0, pool_timeout=30
    )
    event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    return engine


PING_AFTER_IDLE_SECONDS = 2.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make sure a connection that sat in the pool still works before handing it out.

    Like ``pool_pre_ping`` but only after the connection was idle a while: a connection
    returned a moment ago by a busy worker is as good as it was, and pinging it would
    cost every request a round trip. A dead one is replaced (the pool retries the
    checkout on ``DisconnectionError``)."""
    idle_since = record.info.get("checked_in_at")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise exc.DisconnectionError() from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions and units of work."""

    def __init__(self, url: str, clock: Clock, *, echo: bool = False, pool_size: int = 20) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo, pool_size=pool_size)
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
        self._staged: dict[Table, list[Mapping[str, Any]]] = {}
        self._published = False
        self._entered = False
        self._holds = False  # commits wait for the end of the unit of work (a request's answer)
        self._held = False  # written and flushed, not yet committed
        self._holding: Token[UnitOfWork | None] | None = None

    async def __aenter__(self) -> UnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work is used once: make a new one")
        self._entered = True
        holding = _HOLDING.get()
        if holding is not None:
            await holding.release_held()  # another unit of work must see what was committed
        self.session = self.database.sessionmaker()
        return self

    def hold_commits(self) -> None:
        """Keep the last ``commit()`` until the unit of work ends without error (see module)."""
        self._holds = True
        self._holding = _HOLDING.set(self)

    async def release_held(self) -> None:
        """Make a held commit real."""
        if self._held:
            self._held = False
            await self.commit_now()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing ends any transaction still open, discarding what was not
        # committed, while objects already loaded stay readable (detached).
        try:
            if exc is None:
                await self.release_held()
            elif self.session.in_transaction():
                self._held = False
                await self.session.rollback()
        finally:
            if self._holding is not None and _HOLDING.get() is self:
                with suppress(ValueError):  # ended in another context than it began: nothing to restore
                    _HOLDING.reset(self._holding)
            await self.session.close()

    async def execute(self, statement: Executable, params: Any = None) -> CursorResult[*tuple[Any, ...]]:
        """Run a Core statement on this transaction's connection, past the ORM session.

        For statements that load no ORM objects this costs a few hundred microseconds
        less than ``session.execute``, which is why the hot paths (sign-in, carts,
        checkout) use it. Pending ORM changes and staged rows are written first (in that
        order), so it sees them."""
        await self.release_held()
        connection = await self._write_pending()
        return await connection.execute(statement, params)

    def stage(self, target: Staging[RowT], rows: Sequence[RowT]) -> None:
        """Queue rows to insert (not ORM objects: nothing joins the session). Column defaults
        apply. They are written all together (see ``core.bulk``) before the next
        ``execute`` or at commit; ORM queries through ``session`` do not see them before."""
        if rows:
            self._staged.setdefault(target.table, []).extend(rows)

    async def _write_pending(self) -> AsyncConnection:
        """The order of writes, the same before a statement and at commit: the session's
        changes, then the staged rows, parents first."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        connection = await session.connection()
        if self._staged:
            await self._write_staged(connection)
        return connection

    async def _write_staged(self, connection: AsyncConnection) -> None:
        staged, self._staged = self._staged, {}
        in_order = sorted(staged.items(), key=lambda item: _table_rank(item[0]))
        filled = [(table, bulk.with_defaults(table, rows)) for table, rows in in_order]
        for statement, params in bulk.statements(self.database.dialect, filled):
            await connection.execute(statement, params)

    def publish(self, event: Event) -> None:
        """Record an event in the outbox; it is written with the transaction's other staged
        rows and leaves only if the transaction commits."""
        from jishi.core.events import OUTBOX

        now = self.clock.now()
        self.stage(
            OUTBOX,
            [{"topic": event.topic, "payload": event.payload(), "created_at": now, "available_at": now}],
        )
        self._published = True

    async def commit(self) -> None:
        """End the business transaction: its writes are made (and checked) now; in a request
        the transaction itself is committed once the answer is built (see module)."""
        await self.release_held()
        if self._holds:
            await self._write_pending()
            self._held = True
            return
        await self.commit_now()

    async def commit_now(self) -> None:
        """Commit at once, even in a request whose answer is still to be built."""
        self._held = False
        if self._staged:
            await self._write_pending()
        await self.session.commit()
        if self._published:
            self._published = False
            for hook in self.database.after_commit_hooks:
                hook()

    async def rollback(self) -> None:
        """Undo what was written since the last commit (a held commit stands)."""
        await self.release_held()
        await self.session.rollback()
        self._staged = {}
        self._published = False

    def now(self) -> datetime:
        return self.clock.now()


RowT = TypeVar("RowT", bound=Mapping[str, object])
RowT_co = TypeVar("RowT_co", bound=Mapping[str, object], covariant=True)


@dataclass(frozen=True)
class Staging(Generic[RowT_co]):
    """A table rows are staged into (``UnitOfWork.stage``), typed by its rows' ``TypedDict``."""

    table: Table


def staging(model: type[Base], row_type: type[RowT]) -> Staging[RowT]:
    """``Staging`` of a model's table for rows of ``row_type`` (which only types them)."""
    return Staging(table_of(model))


_TABLE_RANKS: dict[str, int] = {}


_HOLDING: ContextVar[UnitOfWork | None] = ContextVar("jishi_holding_uow", default=None)


def _table_rank(table: Table) -> int:
    """Where a table comes in foreign-key order, parents first (worked out again when a
    model was loaded since)."""
    if table.name not in _TABLE_RANKS:
        _TABLE_RANKS.update({t.name: n for n, t in enumerate(Base.metadata.sorted_tables)})
    return _TABLE_RANKS[table.name]


def rowcount(result: Result[Any]) -> int:
    """How many rows an ``UPDATE`` or ``DELETE`` matched. ``session.execute`` is typed as
    returning a plain ``Result``, but for those statements it is a ``CursorResult``."""
    if not isinstance(result, CursorResult):
        raise TypeError("rowcount of a statement that returns rows")
    return int(result.rowcount)


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements (which skip the ORM's per-statement work)."""
    return cast(Table, model.__table__)


def upsert(dialect: str, table: Any) -> Any:
    """``INSERT … ON CONFLICT`` for the dialect at hand (both speak it)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def read_for_update(
    dialect: str, table: TableClause, key: ColumnElement[Any], name: str, *columns: ColumnElement[Any]
) -> Executable:
    """Rows whose ``key`` is one of the list bound to ``name``, read and write-locked until the
    transaction ends, so a figure computed from them cannot be overtaken by another writer.

    PostgreSQL: ``SELECT … ORDER BY key FOR UPDATE`` (locks in key order, the lock order every
    writer keeps). SQLite reads without any lock until a transaction's first write and then
    locks the whole database, so there it is a no-op ``UPDATE … RETURNING`` that takes that
    lock before reading."""
    if dialect == "postgresql":
        return select(*columns).where(any_of(dialect, key, name)).order_by(key).with_for_update()
    return update(table).where(any_of(dialect, key, name)).values({key.key: key}).returning(*columns)


def any_of(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column`` equals one of the list bound to ``name``: one statement for any length
    of list on PostgreSQL (``= ANY`` of an array), so it is prepared once."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
