"""Events leave with their transaction, reach their handlers, and survive failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.events import (
    OUTBOX,
    Event,
    EventRegistry,
    InProcessTransport,
    OutboxDispatcher,
    OutboxMessage,
)


class Numbered(Event):
    topic: ClassVar[str] = "test.numbered"
    n: int


class Other(Event):
    topic: ClassVar[str] = "test.other"


@pytest.fixture
def registry() -> EventRegistry:
    return EventRegistry()


def _dispatcher(
    ctx: AppContext, registry: EventRegistry, *, poll_seconds: float = 1.0, batch_size: int = 100
) -> OutboxDispatcher:
    transport = InProcessTransport(registry)
    return OutboxDispatcher(ctx, transport, poll_seconds=poll_seconds, batch_size=batch_size)


async def _publish(ctx: AppContext, event: Event, *, commit: bool) -> None:
    async with ctx.database.uow() as uow:
        uow.publish(event)
        if commit:
            await uow.commit()


async def test_committed_events_are_delivered_once(app_ctx: AppContext, registry: EventRegistry) -> None:
    received: list[Numbered] = []

    async def handler(event: Numbered, ctx: AppContext) -> None:
        assert ctx is app_ctx  # handlers get the application context
        received.append(event)

    registry.declare(Numbered, handler)
    await _publish(app_ctx, Numbered(n=1), commit=True)
    await _publish(app_ctx, Numbered(n=2), commit=False)  # rolled back
    dispatcher = _dispatcher(app_ctx, registry)
    assert await dispatcher.dispatch_pending() == 1
    assert await dispatcher.dispatch_pending() == 0
    assert received == [Numbered(n=1)]


async def test_a_malformed_message_is_not_delivered(app_ctx: AppContext, registry: EventRegistry) -> None:
    """A stored payload that no longer fits its event type fails and waits, like a failing
    handler, instead of reaching the handler half-formed."""
    received: list[Numbered] = []

    async def handler(event: Numbered, ctx: AppContext) -> None:
        received.append(event)

    registry.declare(Numbered, handler)
    async with app_ctx.database.uow() as uow:
        now = uow.now()
        uow.stage(
            OUTBOX,
            [{"topic": Numbered.topic, "payload": {"m": 1}, "created_at": now, "available_at": now}],
        )
        await uow.commit()
    assert await _dispatcher(app_ctx, registry).dispatch_pending() == 1
    async with app_ctx.database.uow() as uow:
        message = await uow.session.scalar(select(OutboxMessage))
        assert message is not None and (message.status, message.attempts) == ("pending", 1)
        assert "validation error" in (message.last_error or "")
    assert received == []


async def test_failing_handlers_are_retried_with_backoff(
    app_ctx: AppContext, clock: FrozenClock, registry: EventRegistry
) -> None:
    calls = 0

    async def flaky(event: Other, ctx: AppContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("carrier API timed out")

    registry.declare(Other, flaky)
    await _publish(app_ctx, Other(), commit=True)
    dispatcher = _dispatcher(app_ctx, registry)
    await dispatcher.dispatch_pending()
    assert await dispatcher.dispatch_pending() == 0  # waiting out the backoff
    clock.advance(timedelta(seconds=3))
    assert await dispatcher.dispatch_pending() == 1
    async with app_ctx.database.uow() as uow:
        message = await uow.session.scalar(select(OutboxMessage))
        assert message is not None
        assert (message.status, message.attempts, calls) == ("done", 1, 2)
        assert "carrier API timed out" in (message.last_error or "")


async def test_concurrent_dispatchers_do_not_deliver_twice(
    app_ctx: AppContext, registry: EventRegistry
) -> None:
    received: list[int] = []

    async def handler(event: Numbered, ctx: AppContext) -> None:
        await asyncio.sleep(0)
        received.append(event.n)

    registry.declare(Numbered, handler)
    for n in range(30):
        await _publish(app_ctx, Numbered(n=n), commit=True)
    dispatchers = [_dispatcher(app_ctx, registry, batch_size=7) for _ in range(3)]
    for _ in range(10):
        await asyncio.gather(*(d.dispatch_pending() for d in dispatchers))
    assert sorted(received) == list(range(30))


async def test_running_dispatcher_wakes_on_commit(app_ctx: AppContext, registry: EventRegistry) -> None:
    got = asyncio.Event()

    async def handler(event: Other, ctx: AppContext) -> None:
        got.set()

    registry.declare(Other, handler)
    dispatcher = _dispatcher(app_ctx, registry, poll_seconds=30)
    dispatcher.start()
    try:
        await asyncio.sleep(0.05)
        await _publish(app_ctx, Other(), commit=True)
        await asyncio.wait_for(got.wait(), timeout=5)
    finally:
        await dispatcher.stop()


async def test_delivered_messages_are_purged_after_a_week(
    app_ctx: AppContext, clock: FrozenClock, registry: EventRegistry
) -> None:
    from jishi.core.events import purge_delivered_job

    registry.declare(Numbered, external=True)
    dispatcher = _dispatcher(app_ctx, registry)
    await _publish(app_ctx, Numbered(n=1), commit=True)
    await dispatcher.dispatch_pending()  # delivered (no handler needed), now a week ago
    clock.advance(timedelta(days=7, minutes=1))
    await _publish(app_ctx, Numbered(n=2), commit=True)
    await dispatcher.dispatch_pending()
    await _publish(app_ctx, Numbered(n=3), commit=True)  # not delivered yet

    assert await purge_delivered_job(app_ctx) == 1
    async with app_ctx.database.uow() as uow:
        payloads = await uow.session.scalars(select(OutboxMessage.payload).order_by(OutboxMessage.id))
        assert list(payloads) == [{"n": 2}, {"n": 3}]


async def test_a_message_of_an_undeclared_topic_waits_instead_of_being_lost(
    app_ctx: AppContext, registry: EventRegistry
) -> None:
    """A dispatcher whose process never wired its events must not mark their messages done."""
    await _publish(app_ctx, Numbered(n=7), commit=True)
    assert await _dispatcher(app_ctx, registry).dispatch_pending() == 1
    async with app_ctx.database.uow() as uow:
        message = await uow.session.scalar(select(OutboxMessage))
        assert message is not None and (message.status, message.attempts) == ("pending", 1)
        assert "test.numbered" in (message.last_error or "")
