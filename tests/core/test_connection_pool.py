"""PostgreSQL connections that died while idle in the pool are replaced, not handed out."""

from __future__ import annotations

import asyncio

import asyncpg  # type: ignore[import-untyped]
import pytest
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
