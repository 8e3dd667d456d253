"""PostgreSQL connections that died while idle in the pool are replaced, not handed out; they
are handed out in arrival order; and the SQLAlchemy internals that ordering rests on are there."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from types import ModuleType
from typing import Any
from unittest.mock import MagicMock

import asyncpg  # type: ignore[import-untyped]
import pytest
import sqlalchemy
from sqlalchemy import text

from jishi.core import db
from jishi.core.context import AppContext


async def _backend_pid(ctx: AppContext) -> int:
    async with ctx.database.uow() as uow:
        return int((await uow.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced(
    app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app_ctx.database.dialect != "postgresql":
        pytest.skip("a PostgreSQL connection pool")
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    pid = await _backend_pid(app_ctx)
    admin = await asyncpg.connect(app_ctx.database.url.replace("+asyncpg", ""))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await asyncio.sleep(0.1)  # idle long enough to be checked

    assert await _backend_pid(app_ctx) != pid  # a working connection, not an error


async def test_a_busy_requester_cannot_starve_a_waiting_one(app_ctx: AppContext) -> None:
    """With one connection: a task that gives it back and asks again at once does not get it
    ahead of a task that was already waiting (its wait would otherwise last as long as the
    busy one keeps asking: seconds under load)."""
    if app_ctx.database.dialect != "postgresql":
        pytest.skip("a PostgreSQL connection pool")
    database = db.Database(app_ctx.database.url, app_ctx.clock, pool_size=1)
    log: list[str] = []

    async def use(name: str) -> None:
        async with database.uow() as uow:
            await uow.execute(text("SELECT pg_sleep(0.01)"))
        log.append(name)

    async def busy() -> None:
        for n in range(10):
            await use(f"busy {n}")

    try:
        first = asyncio.create_task(busy())
        await asyncio.sleep(0.005)  # the busy task holds the connection
        await use("waiting")
        await first
    finally:
        await database.dispose()
    assert log.index("waiting") <= 1, log


RE_CHECK = (
    "core/pool.py (FairPool, FairQueue) subclasses private SQLAlchemy API that is not where it "
    "was in SQLAlchemy 2.1. Re-check FairQueue against sqlalchemy/util/queue.py "
    "(AsyncAdaptedQueue: its constructor, get/put/get_nowait/put_nowait, Empty) and "
    "sqlalchemy/pool/impl.py (QueuePool builds _queue_class(pool_size, use_lifo=...) and checks "
    "connections out and in through its get(block, timeout) and put(item, False)), and "
    "sqlalchemy.util.await_; then fix core/pool.py and the sqlalchemy pin in pyproject.toml. "
    "What moved:"
)

QUEUE_SIGNATURES = {
    "__init__": ["self", "maxsize", "use_lifo"],
    "get": ["self", "block", "timeout"],
    "put": ["self", "item", "block", "timeout"],
    "get_nowait": ["self"],
    "put_nowait": ["self", "item"],
}


def _parameters(owner: object, name: str) -> list[str] | None:
    function = getattr(owner, name, None)
    return list(inspect.signature(function).parameters) if callable(function) else None


def _private_api_problems() -> list[str]:
    """What FairPool takes from SQLAlchemy beyond its public API, checked name by name. The
    modules are imported here, not at the top, so that a move is reported with what to do."""
    problems: list[str] = []
    if not sqlalchemy.__version__.startswith("2.1."):
        problems.append(f"SQLAlchemy {sqlalchemy.__version__} is installed; FairPool was written for 2.1")
    try:
        queue, util, impl = (
            importlib.import_module(f"sqlalchemy.{name}") for name in ("util.queue", "util", "pool.impl")
        )
        pool = importlib.import_module("jishi.core.pool")
    except ImportError as exc:
        return [*problems, f"an import fails: {exc}"]
    base: Any = getattr(queue, "AsyncAdaptedQueue", None)
    if not isinstance(base, type) or not isinstance(getattr(queue, "Empty", None), type):
        return [*problems, "sqlalchemy.util.queue.AsyncAdaptedQueue or .Empty is gone"]
    for name, parameters in QUEUE_SIGNATURES.items():
        if (found := _parameters(base, name)) != parameters:
            problems.append(f"AsyncAdaptedQueue.{name} takes {found}, not {parameters}")
    if (found := _parameters(util, "await_")) != ["awaitable"]:
        problems.append(f"sqlalchemy.util.await_ takes {found}, not ['awaitable']")
    if getattr(impl.AsyncAdaptedQueuePool, "_queue_class", None) is not base:
        problems.append("AsyncAdaptedQueuePool._queue_class is no longer AsyncAdaptedQueue")
    return problems or _pool_traffic(pool)


def _pool_traffic(pool: ModuleType) -> list[str]:
    """How the pool uses its queue: every checkout and return must pass through FairQueue's
    ``get`` and ``put`` (a pool taking ``get_nowait`` directly would let newcomers jump the line)."""
    calls: list[str] = []

    class RecordingQueue(pool.FairQueue):  # type: ignore[name-defined,misc]
        def get(self, block: bool = True, timeout: float | None = None) -> Any:
            calls.append(f"get({block}, {timeout})")
            return super().get(block, timeout)

        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            calls.append(f"put({block})")
            super().put(item, block, timeout)

    class RecordingPool(pool.FairPool):  # type: ignore[name-defined,misc]
        _queue_class = RecordingQueue

    fair = RecordingPool(MagicMock, pool_size=1, max_overflow=0, timeout=1)
    if not isinstance(getattr(fair, "_pool", None), RecordingQueue):
        return ["QueuePool no longer keeps its idle connections in a _queue_class()"]
    for _ in range(2):
        fair.connect().close()
    # The first checkout may still open a connection (no wait); the second must wait its turn.
    expected = ["get(False, 1)", "put(False)", "get(True, 1)", "put(False)"]
    if calls != expected:
        return [f"checking a connection out and in twice called the queue's {calls}, not {expected}"]
    return []


def test_the_private_sqlalchemy_api_fair_pool_relies_on_is_there() -> None:
    problems = _private_api_problems()
    assert not problems, f"{RE_CHECK} {'; '.join(problems)}"


async def test_a_returned_connection_goes_to_the_longest_waiter() -> None:
    """The queue on its own, on any database: waiters are served in the order they came, through
    ``await_`` as the pool calls it, and a newcomer does not take a connection while one waits."""
    from sqlalchemy.util import greenlet_spawn
    from sqlalchemy.util.queue import Empty

    from jishi.core.pool import FairQueue

    queue = FairQueue(maxsize=1)
    served: list[str] = []

    async def wait(name: str) -> None:
        served.append(f"{name}:{await greenlet_spawn(queue.get, True, 2.0)}")

    waiters = [asyncio.create_task(wait(name)) for name in ("first", "second")]
    await asyncio.sleep(0.01)  # both are waiting, in that order
    queue.put("a", False)
    with pytest.raises(Empty):
        queue.get(False)
    queue.put("b", False)
    await asyncio.gather(*waiters)
    assert served == ["first:a", "second:b"]
