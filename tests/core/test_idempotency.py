"""Idempotency-Key records answer for a stated lifetime; then the key does the work again, and
the periodic purge deletes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.core.idempotency import (
    KEY_LIFETIME,
    IdempotencyRecord,
    claim,
    find_replay,
    purge_expired_job,
    request_fingerprint,
    store,
)
from jishi.core.jobs import registered_jobs

OWNER = "01J00000000000000000000000"
SCOPE = "tests.work"


async def _do_once(ctx: AppContext, key: str, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """What a caller does: replay the stored answer, or do the work and store its answer."""
    fingerprint = request_fingerprint(body)
    async with ctx.database.uow() as uow:
        replay = await find_replay(uow, OWNER, SCOPE, key, fingerprint)
        if replay is not None:
            return dict(replay.response_body)
        store(claim(uow, OWNER, SCOPE, key, fingerprint), 200, answer)
        await uow.commit()
    return answer


async def _keys(ctx: AppContext) -> list[str]:
    async with ctx.database.uow() as uow:
        return sorted(await uow.session.scalars(select(IdempotencyRecord.key)))


async def test_a_key_answers_for_its_lifetime_then_does_the_work_again(
    app_ctx: AppContext, clock: FrozenClock
) -> None:
    assert await _do_once(app_ctx, "k", {"a": 1}, {"n": 1}) == {"n": 1}
    clock.advance(KEY_LIFETIME)
    assert await _do_once(app_ctx, "k", {"a": 1}, {"n": 2}) == {"n": 1}  # a day old: still answers
    with pytest.raises(AppError) as reused:
        await _do_once(app_ctx, "k", {"a": 2}, {"n": 2})
    assert reused.value.code == "idempotency_key_reused"

    clock.advance(timedelta(seconds=1))
    assert await _do_once(app_ctx, "k", {"a": 2}, {"n": 3}) == {"n": 3}  # expired: any body, new work
    assert await _do_once(app_ctx, "k", {"a": 2}, {"n": 4}) == {"n": 3}  # and that answer is replayed
    assert await _keys(app_ctx) == ["k"]


async def test_the_purge_job_deletes_only_expired_records(app_ctx: AppContext, clock: FrozenClock) -> None:
    assert "idempotency.purge_expired" in {job.name for job in registered_jobs()}
    await _do_once(app_ctx, "old", {}, {})
    clock.advance(timedelta(hours=20))
    await _do_once(app_ctx, "recent", {}, {})
    clock.advance(timedelta(hours=4))
    assert await purge_expired_job(app_ctx) == 0  # "old" is exactly a day old: still valid

    clock.advance(timedelta(seconds=1))
    assert await purge_expired_job(app_ctx) == 1
    assert await _keys(app_ctx) == ["recent"]
    assert await _do_once(app_ctx, "recent", {}, {"n": 2}) == {}
