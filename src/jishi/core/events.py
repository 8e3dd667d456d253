"""Typed events, the transactional outbox and its dispatcher.

An event is a class (``Event``) with a constant ``topic`` and typed fields, defined in the
``events.py`` of the package that publishes it. A service records what happened with
``uow.publish(SomethingHappened(...))`` in the same transaction as the change. The
dispatcher later claims pending messages, rebuilds each event from its stored payload and
hands it to the handlers registered for its type, with the application context. Claiming is
a conditional update, so several processes (web workers, ``jishi worker``) can run
dispatchers against one database without handling a message twice at the same time. A
handler must be idempotent: a message is delivered at least once.

Which handlers consume which event is wired in one place, ``jishi.bootstrap``, through
``EVENTS`` (an ``EventRegistry``); an event with no handler in the application is declared
there as external-only (published for outside consumers and later modules).

Delivery goes through a ``Transport``. The in-process transport calls the registered
handlers directly; a broker transport (RabbitMQ, Redis streams) implements the same
protocol to publish the very same messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypedDict, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Integer, String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, Database, id_column, staging

if TYPE_CHECKING:
    from jishi.core.context import AppContext

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10
LEASE = timedelta(seconds=60)
KEEP_DELIVERED = timedelta(days=7)  # delivered messages stay this long, for inspection


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[str] = id_column()
    topic: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Event(BaseModel):
    """Something that happened, as its publisher tells it (领域事件): a constant ``topic`` and
    typed fields. Stored in the outbox as JSON and rebuilt, validated, for each handler."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    topic: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


E = TypeVar("E", bound=Event)
Handler = Callable[[Any, "AppContext"], Awaitable[None]]


@dataclass
class _Declared:
    event_type: type[Event]
    handlers: list[Handler] = field(default_factory=list)
    external: bool = False


class EventRegistry:
    """Which events exist and who consumes each: filled once by ``jishi.bootstrap``."""

    def __init__(self) -> None:
        self._topics: dict[str, _Declared] = {}

    def declare(
        self,
        event_type: type[E],
        *handlers: Callable[[E, AppContext], Awaitable[None]],
        external: bool = False,
    ) -> None:
        """An event type with its handlers, or ``external`` when nothing in the application
        consumes it (it is published for outside consumers and modules still to come).
        Declaring again is harmless: a process wires once, tests build many apps."""
        declared = self._topics.setdefault(event_type.topic, _Declared(event_type))
        if declared.event_type is not event_type:
            raise ValueError(f"two event types claim the topic {event_type.topic!r}")
        declared.external = declared.external or external
        declared.handlers.extend(h for h in handlers if h not in declared.handlers)

    def event_types(self) -> list[type[Event]]:
        return [d.event_type for d in self._topics.values()]

    def handlers_of(self, event_type: type[Event]) -> list[Handler]:
        declared = self._topics.get(event_type.topic)
        return list(declared.handlers) if declared else []

    def is_external(self, event_type: type[Event]) -> bool:
        declared = self._topics.get(event_type.topic)
        return declared is not None and declared.external

    def parse(self, topic: str, payload: dict[str, Any]) -> tuple[Event, list[Handler]] | None:
        """The event a stored message carries and its handlers; None for a topic not declared."""
        declared = self._topics.get(topic)
        if declared is None:
            return None
        return declared.event_type.model_validate(payload), list(declared.handlers)


EVENTS = EventRegistry()


class OutboxRow(TypedDict):
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    available_at: datetime


OUTBOX = staging(OutboxMessage, OutboxRow)


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox message a dispatcher holds the lease on."""

    id: str
    topic: str
    payload: dict[str, Any]
    attempts: int


class Transport(Protocol):
    async def deliver(self, message: ClaimedMessage, ctx: AppContext) -> None: ...


class InProcessTransport:
    """Delivers a message to the handlers registered in this process."""

    def __init__(self, registry: EventRegistry = EVENTS) -> None:
        self.registry = registry

    async def deliver(self, message: ClaimedMessage, ctx: AppContext) -> None:
        parsed = self.registry.parse(message.topic, message.payload)
        if parsed is None:
            # A process that has not wired its events (``jishi.bootstrap.wire``), or a message
            # outliving its type: fail, so the message waits and is kept, rather than be lost.
            raise LookupError(f"no event type is declared for the topic {message.topic!r}")
        event, handlers = parsed
        for handler in handlers:
            await handler(event, ctx)


class OutboxDispatcher:
    """Moves committed outbox messages to their transport."""

    def __init__(
        self,
        ctx: AppContext,
        transport: Transport | None = None,
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 100,
        gather_seconds: float = 0.05,
    ) -> None:
        self.ctx = ctx
        self.database: Database = ctx.database
        self.transport = transport or InProcessTransport()
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.gather_seconds = gather_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self.database.after_commit_hooks.append(self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        if self.wake in self.database.after_commit_hooks:
            self.database.after_commit_hooks.remove(self.wake)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # commits from here on wake the next round
            try:
                handled = await self.dispatch_pending()
            except Exception:  # the loop must survive a database hiccup
                log.exception("outbox.dispatch_failed")
                handled = 0
            if handled >= self.batch_size:
                continue  # more may be waiting
            if await self._wait_for_wake():
                # Let the commits of a busy moment gather, so one claim takes them all
                # instead of one claim per commit.
                await asyncio.sleep(self.gather_seconds)

    async def _wait_for_wake(self) -> bool:
        """Until a commit wakes us (True) or the poll interval passes (False).

        asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands as
        the wake-up does, and stop() would wait for ever."""
        try:
            async with asyncio.timeout(self.poll_seconds):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True

    async def dispatch_pending(self) -> int:
        """Claim and deliver one batch; returns how many messages were attempted.

        Two statements settle a batch whatever its size (claim, then mark done), so a
        busy shop's stream of events costs little more than a quiet one's."""
        claimed = await self._claim()
        done: list[str] = []
        failed: list[tuple[ClaimedMessage, Exception]] = []
        for message in claimed:
            try:
                await self.transport.deliver(message, self.ctx)
            except Exception as exc:
                failed.append((message, exc))
            else:
                done.append(message.id)
        if claimed:
            await self._settle(done, failed)
        return len(claimed)

    async def _claim(self) -> list[ClaimedMessage]:
        """Take the lease on up to ``batch_size`` due messages in one conditional update:
        racing dispatchers skip each other's rows (PostgreSQL) or take turns (SQLite)."""
        now = self.database.clock.now()
        claimable = (
            (OutboxMessage.status == "pending")
            & (OutboxMessage.available_at <= now)
            & or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
        )
        due = select(OutboxMessage.id).where(claimable).order_by(OutboxMessage.id).limit(self.batch_size)
        if self.database.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        async with self.database.uow() as uow:
            rows = (
                await uow.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(due.scalar_subquery()), claimable)
                    .values(locked_until=now + LEASE)
                    .returning(
                        OutboxMessage.id, OutboxMessage.topic, OutboxMessage.payload, OutboxMessage.attempts
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
            await uow.commit()
        return sorted((ClaimedMessage(*row) for row in rows), key=lambda m: m.id)

    async def _settle(self, done: list[str], failed: list[tuple[ClaimedMessage, Exception]]) -> None:
        """Mark delivered messages done; put failed ones back with a backoff (or give up)."""
        now = self.database.clock.now()
        async with self.database.uow() as uow:
            if done:
                await uow.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(done))
                    .values(status="done", dispatched_at=now, locked_until=None)
                    .execution_options(synchronize_session=False)
                )
            for message, exc in failed:
                attempts = message.attempts + 1
                error = f"{type(exc).__name__}: {exc}"[:2000]
                await uow.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id)
                    .values(
                        attempts=attempts,
                        last_error=error,
                        locked_until=None,
                        status="failed" if attempts >= MAX_ATTEMPTS else "pending",
                        available_at=now + timedelta(seconds=2**attempts),
                    )
                    .execution_options(synchronize_session=False)
                )
                log.warning(
                    "outbox.handler_failed",
                    topic=message.topic,
                    id=message.id,
                    attempts=attempts,
                    error=error,
                )
            await uow.commit()


async def purge_delivered(database: Database, *, before: datetime, batch: int = 1000) -> int:
    """Delete up to ``batch`` messages delivered before ``before``; returns how many. Failed
    and pending messages are kept."""
    old = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "done", OutboxMessage.dispatched_at < before)
        .limit(batch)
    )
    async with database.uow() as uow:
        result = await uow.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old.scalar_subquery())))
        await uow.commit()
    return int(result.rowcount)


async def purge_delivered_job(ctx: AppContext) -> int:
    """Keep the outbox small: a busy marketplace writes a message or more per order."""
    purged = 0
    before = ctx.clock.now() - KEEP_DELIVERED
    while (count := await purge_delivered(ctx.database, before=before)) > 0:
        purged += count
    return purged
