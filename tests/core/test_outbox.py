"""Events leave with their transaction, reach their handlers, and survive failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.db import Database
from jishi.core.events import OutboxDispatcher, OutboxMessage, _handlers, subscribe


async def _publish(ctx: AppContext, topic: str, payload: dict[str, Any], *, commit: bool) -> None:
    async with ctx.database.uow() as uow:
        uow.publish(topic, payload)
        if commit:
            await uow.commit()


async def test_committed_events_are_delivered_once(app_ctx: AppContext) -> None:
    received: list[dict[str, Any]] = []

    @subscribe("test.delivered")
    async def handler(payload: dict[str, Any], database: Database) -> None:
        received.append(payload)

    try:
        await _publish(app_ctx, "test.delivered", {"n": 1}, commit=True)
        await _publish(app_ctx, "test.delivered", {"n": 2}, commit=False)  # rolled back
        dispatcher = OutboxDispatcher(app_ctx.database)
        assert await dispatcher.dispatch_pending() == 1
        assert await dispatcher.dispatch_pending() == 0
        assert received == [{"n": 1}]
    finally:
        _handlers["test.delivered"].remove(handler)


async def test_failing_handlers_are_retried_with_backoff(app_ctx: AppContext, clock: FrozenClock) -> None:
    calls = 0

    @subscribe("test.flaky")
    async def flaky(payload: dict[str, Any], database: Database) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("carrier API timed out")

    try:
        await _publish(app_ctx, "test.flaky", {}, commit=True)
        dispatcher = OutboxDispatcher(app_ctx.database)
        await dispatcher.dispatch_pending()
        assert await dispatcher.dispatch_pending() == 0  # waiting out the backoff
        clock.advance(timedelta(seconds=3))
        assert await dispatcher.dispatch_pending() == 1
        async with app_ctx.database.uow() as uow:
            message = await uow.session.scalar(select(OutboxMessage))
            assert message is not None
            assert (message.status, message.attempts, calls) == ("done", 1, 2)
            assert "carrier API timed out" in (message.last_error or "")
    finally:
        _handlers["test.flaky"].remove(flaky)


async def test_concurrent_dispatchers_do_not_deliver_twice(app_ctx: AppContext) -> None:
    received: list[int] = []

    @subscribe("test.race")
    async def handler(payload: dict[str, Any], database: Database) -> None:
        await asyncio.sleep(0)
        received.append(payload["n"])

    try:
        for n in range(30):
            await _publish(app_ctx, "test.race", {"n": n}, commit=True)
        dispatchers = [OutboxDispatcher(app_ctx.database, batch_size=7) for _ in range(3)]
        for _ in range(10):
            await asyncio.gather(*(d.dispatch_pending() for d in dispatchers))
        assert sorted(received) == list(range(30))
    finally:
        _handlers["test.race"].remove(handler)


async def test_running_dispatcher_wakes_on_commit(app_ctx: AppContext) -> None:
    got = asyncio.Event()

    @subscribe("test.wake")
    async def handler(payload: dict[str, Any], database: Database) -> None:
        got.set()

    dispatcher = OutboxDispatcher(app_ctx.database, poll_seconds=30)
    dispatcher.start()
    try:
        await asyncio.sleep(0.05)
        await _publish(app_ctx, "test.wake", {}, commit=True)
        await asyncio.wait_for(got.wait(), timeout=5)
    finally:
        await dispatcher.stop()
        _handlers["test.wake"].remove(handler)


async def test_delivered_messages_are_purged_after_a_week(app_ctx: AppContext, clock: FrozenClock) -> None:
    from jishi.core.events import purge_delivered_job

    dispatcher = OutboxDispatcher(app_ctx.database)
    await _publish(app_ctx, "test.old", {}, commit=True)
    await dispatcher.dispatch_pending()  # delivered (no handler needed), now a week ago
    clock.advance(timedelta(days=7, minutes=1))
    await _publish(app_ctx, "test.recent", {}, commit=True)
    await dispatcher.dispatch_pending()
    await _publish(app_ctx, "test.waiting", {}, commit=True)  # not delivered yet

    assert await purge_delivered_job(app_ctx) == 1
    async with app_ctx.database.uow() as uow:
        topics = await uow.session.scalars(select(OutboxMessage.topic).order_by(OutboxMessage.id))
        assert list(topics) == ["test.recent", "test.waiting"]
