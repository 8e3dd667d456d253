"""Test fixtures: a migrated database (SQLite, or PostgreSQL when
``JISHI_TEST_DATABASE_URL`` is set), a fresh app per test, and HTTP helpers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text

from jishi.app import create_app
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.db import Base, create_engine
from jishi.core.ids import new_id
from jishi.core.migrate import upgrade
from jishi.models import import_all_models
from jishi.settings import Settings, normalise_database_url

TEST_DATABASE_URL = os.environ.get("JISHI_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("JISHI_TEST_REDIS_URL") or None
PASSWORD = "correct-horse-42"

import_all_models()


def pytest_report_header() -> list[str]:
    return [
        f"jishi database: {TEST_DATABASE_URL or 'sqlite (temporary file)'}; "
        f"cache: {TEST_REDIS_URL or 'in-process'}"
    ]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        url = normalise_database_url(TEST_DATABASE_URL)
        asyncio.run(_reset_postgres_schema(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


async def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        database_url=database_url,
        redis_url=TEST_REDIS_URL,
        cache_prefix=f"jishi-test:{new_id()}:",
        secret_key="test-secret-" + "x" * 40,
        run_jobs_in_process=False,
        log_json=True,
        log_level="WARNING",
        web_dist=tmp_path / "no-web-dist",
        # The suite signs up many accounts from one address; the limit itself is tested.
        registrations_per_ip=10_000,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def app_ctx(settings: Settings, clock: FrozenClock) -> AsyncIterator[AppContext]:
    app = create_app(settings, clock=clock)
    ctx: AppContext = app.state.ctx
    ctx.app = app  # type: ignore[attr-defined]
    # Calls to "outside" services (the sandbox payment gateway) come back into this app.
    await ctx.outbound.aclose()
    ctx.outbound = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=settings.public_base_url
    )
    await _truncate_all(ctx)
    yield ctx
    await ctx.close()


async def _truncate_all(ctx: AppContext) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    async with ctx.database.engine.begin() as conn:
        if ctx.database.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())


@pytest.fixture
async def client(app_ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_ctx.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Account:
    id: str
    email: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD, nickname: str | None = None
) -> Account:
    email = email or f"user-{new_id().lower()}@example.com"
    body: dict[str, str] = {"email": email, "password": password}
    if nickname:
        body["nickname"] = nickname
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    client.cookies.clear()  # tests speak bearer unless they test cookies
    return Account(data["user"]["id"], email, data["access_token"], data["refresh_token"])


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Account:
    response = await client.post("/api/v1/auth/login", json={"login": email, "password": password})
    assert response.status_code == 200, response.text
    data = response.json()
    client.cookies.clear()
    return Account(data["user"]["id"], email, data["access_token"], data["refresh_token"])


async def make_admin(client: httpx.AsyncClient, ctx: AppContext) -> Account:
    from jishi.accounts import service as accounts

    account = await register(client)
    async with ctx.database.uow() as uow:
        await accounts.grant_role(uow, account.id, "platform_admin")
        await uow.commit()
    return account


@pytest.fixture
async def admin(client: httpx.AsyncClient, app_ctx: AppContext) -> Account:
    return await make_admin(client, app_ctx)


async def open_shop(
    client: httpx.AsyncClient, admin: Account, owner: Account | None = None, name: str | None = None
) -> tuple[Account, str]:
    """Register an owner (unless given), apply for a shop and approve it."""
    owner = owner or await register(client)
    response = await client.post(
        "/api/v1/shops", headers=owner.headers, json={"name": name or f"店铺 {new_id()[-8:]}"}
    )
    assert response.status_code == 201, response.text
    shop_id = response.json()["id"]
    approved = await client.post(f"/api/v1/admin/shops/{shop_id}/approve", headers=admin.headers)
    assert approved.status_code == 200, approved.text
    return owner, shop_id


class QueryCounter:
    """Counts the SQL statements the app sends (as Saleor's query-count tests do)."""

    def __init__(self, ctx: AppContext) -> None:
        self.engine = ctx.database.engine.sync_engine
        self.statements: list[str] = []

    def _record(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)
