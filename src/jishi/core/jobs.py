"""Periodic jobs: sweeps of deadline columns (unpaid-order cancel, auto-confirm, ...).

A job is ``async def job(ctx) -> int`` (how many things it handled) registered with
``@periodic("name", every_seconds=...)``. The runner calls each job on its
interval, in the web process in embedded mode and in ``jishi worker`` otherwise.
Jobs must be safe to run in several processes at once: they claim rows with
conditional updates (and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so the
deadlines themselves live in the database and survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from jishi.core.context import AppContext

log = structlog.get_logger(__name__)

Job = Callable[["AppContext"], Awaitable[int]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Job


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[Job], Job]:
    def register(job: Job) -> Job:
        _jobs[name] = PeriodicJob(name, every_seconds, job)
        return job

    return register


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)


async def run_job_once(ctx: AppContext, job: PeriodicJob) -> int:
    try:
        handled = await job.run(ctx)
    except Exception:  # one failing sweep must not stop the others
        log.exception("job.failed", job=job.name)
        return 0
    if handled:
        log.info("job.done", job=job.name, handled=handled)
    return handled


class PeriodicRunner:
    """Runs every registered job on its own interval until stopped."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in registered_jobs():
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            await asyncio.sleep(job.every_seconds)
            await run_job_once(self.ctx, job)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
