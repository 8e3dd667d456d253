"""The request's unit of work commits only an answer that exists: a request that fails,
even after its service committed, leaves nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import select

from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.core.http import Uow
from jishi.core.jobs import JobRun

PROBE = "/probe-unit-of-work"


class _Answer(BaseModel):
    name: str
    outcome: str


def _write(uow: Uow, name: str) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = JobRun(name=name, last_tick=0, holder="t", lease_until=None, started_at=now, outcome="ok")
    uow.session.add(row)


def _probe_routes(ctx: AppContext) -> None:
    router = APIRouter()

    @router.post(PROBE + "/{name}/answered", response_model=_Answer)
    async def answered(name: str, uow: Uow) -> dict[str, str]:
        _write(uow, name)
        await uow.commit()
        return {"name": name, "outcome": "ok"}

    @router.post(PROBE + "/{name}/unserialisable", response_model=_Answer)
    async def unserialisable(name: str, uow: Uow) -> dict[str, str]:
        _write(uow, name)
        await uow.commit()
        return {"name": name}  # the answer lacks a field: it cannot be built

    @router.post(PROBE + "/{name}/refused", response_model=_Answer)
    async def refused(name: str, uow: Uow) -> dict[str, str]:
        _write(uow, name)
        await uow.commit()
        raise AppError("invalid_state", status="refused")

    @router.post(PROBE + "/{name}/read-by-another", response_model=_Answer)
    async def read_by_another(name: str, uow: Uow) -> dict[str, str]:
        _write(uow, name)
        await uow.commit()
        async with ctx.database.uow() as other:
            seen = await other.session.get(JobRun, name)
        return {"name": name, "outcome": "seen" if seen is not None else "unseen"}

    app: FastAPI = ctx.app  # type: ignore[attr-defined]
    app.include_router(router)
    for _ in router.routes:  # ahead of the web app's catch-all
        app.router.routes.insert(0, app.router.routes.pop())


async def _stored(ctx: AppContext, name: str) -> bool:
    async with ctx.database.uow() as uow:
        return await uow.session.scalar(select(JobRun.name).where(JobRun.name == name)) is not None


async def test_an_answer_that_cannot_be_built_leaves_nothing_written(app_ctx: AppContext) -> None:
    _probe_routes(app_ctx)
    transport = httpx.ASGITransport(app=app_ctx.app, raise_app_exceptions=False)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(f"{PROBE}/broken/unserialisable")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "internal_error"
    assert not await _stored(app_ctx, "broken")


async def test_an_error_after_the_commit_leaves_nothing_written(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    _probe_routes(app_ctx)
    response = await client.post(f"{PROBE}/refused/refused")
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert not await _stored(app_ctx, "refused")


async def test_an_answered_request_is_committed(client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    _probe_routes(app_ctx)
    response = await client.post(f"{PROBE}/fine/answered")
    assert response.status_code == 200 and response.json() == {"name": "fine", "outcome": "ok"}
    assert await _stored(app_ctx, "fine")


async def test_another_unit_of_work_in_the_request_sees_what_was_committed(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    _probe_routes(app_ctx)
    response = await client.post(f"{PROBE}/shared/read-by-another")
    assert response.status_code == 200 and response.json()["outcome"] == "seen"
    assert await _stored(app_ctx, "shared")
