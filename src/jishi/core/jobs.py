"""Periodic jobs: sweeps of deadline columns (unpaid-order cancel, auto-confirm, ...).

A job is ``async def job(ctx) -> int`` (how many things it handled), scheduled in
``jishi.bootstrap`` with ``schedule("name", every_seconds, job)``. A ``PeriodicRunner``
runs in every process that runs jobs: each web worker in embedded mode, each
``jishi worker`` otherwise, on one machine or several.

*Once per tick, in one process at a time.* A job's time is cut into ticks: tick ``n`` is
the ``n``-th interval since the epoch by ``ctx.clock``, so every process counts the same
ticks whenever it started. At each tick every runner tries to claim it, and only the one
that does runs the job. The claim is one statement on the job's ``job_runs`` row::

    INSERT INTO job_runs (name, last_tick, holder, lease_until, ...) VALUES (...)
    ON CONFLICT (name) DO UPDATE SET last_tick = :tick, holder = :me, ...
    WHERE job_runs.last_tick < :tick AND (job_runs.lease_until IS NULL OR job_runs.lease_until <= :now)
    RETURNING name

It is atomic on SQLite and on PostgreSQL alike (there a racing claim waits for the row and
checks the condition again on the version the winner committed), so one runner gets the
row back and the others skip the tick. The winner holds a lease, renewed while the job
runs: a run longer than the interval keeps the next ticks from starting in another
process, and when the holder's process dies the lease runs out and another runner takes
the next tick. Ticks missed meanwhile are not made up: a sweep does the backlog in one
run. The row also tells operators when each job last ran, where, and how it ended.

Chosen over a PostgreSQL advisory lock, which SQLite (the embedded default, also served by
several workers) lacks, which keeps two runs from overlapping but does not count ticks
(processes that wake at different moments would each run the job once per interval), and
which holds a connection for the whole run; and over a scheduler (APScheduler, Celery beat):
a dependency or a service more to deploy and watch, for a handful of short sweeps.

Jobs must stay idempotent all the same: a lease can run out under a holder that is only
slow, and a sweep races the requests that move the same rows. They claim rows with
conditional updates (and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL); the deadlines
themselves live in the database and survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import BigInteger, String, Text, Update, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, table_of, upsert
from jishi.core.ids import new_id

if TYPE_CHECKING:
    from jishi.core.context import AppContext

log = structlog.get_logger(__name__)

Job = Callable[["AppContext"], Awaitable[int]]

LEASE = timedelta(seconds=60)  # how long a runner that stopped renewing keeps others waiting
RENEW_SECONDS = 20.0  # a running job's lease is renewed this often (real time)

RUNNING, OK, FAILED, STOPPED = "running", "ok", "failed", "stopped"


class JobRun(Base):
    """A periodic job's last claimed tick and run: who holds it, until when, how it ended."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_tick: Mapped[int] = mapped_column(BigInteger)
    holder: Mapped[str] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]  # NULL once the run ended
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16))  # running, ok, failed or stopped
    handled: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Job


_jobs: dict[str, PeriodicJob] = {}


def schedule(name: str, every_seconds: float, job: Job) -> None:
    """Run ``job`` every ``every_seconds`` (``jishi.bootstrap`` schedules every job, once)."""
    _jobs[name] = PeriodicJob(name, every_seconds, job)


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)


async def last_runs(ctx: AppContext) -> list[tuple[PeriodicJob, JobRun | None]]:
    """Every registered job with its ``job_runs`` row (None before its first run): what
    ``jishi jobs`` shows operators."""
    async with ctx.database.uow() as uow:
        rows = {run.name: run for run in await uow.session.scalars(select(JobRun))}
    return [(job, rows.get(job.name)) for job in registered_jobs()]


async def _run(ctx: AppContext, job: PeriodicJob) -> tuple[int, str | None]:
    """The job's count, and the error it failed with (None when it did not)."""
    try:
        handled = await job.run(ctx)
    except Exception as exc:  # one failing sweep must not stop the others
        log.exception("job.failed", job=job.name)
        return 0, f"{type(exc).__name__}: {exc}"[:2000]
    if handled:
        log.info("job.done", job=job.name, handled=handled)
    return handled, None


def tick_of(job: PeriodicJob, now: datetime) -> int:
    """Which of the job's ticks ``now`` falls in (the same in every process)."""
    return math.floor(now.timestamp() / job.every_seconds)


def seconds_to_next_tick(job: PeriodicJob, now: datetime) -> float:
    seconds = (tick_of(job, now) + 1) * job.every_seconds - now.timestamp()
    return seconds if seconds > 0 else job.every_seconds  # float rounding at a tick's edge


def new_holder() -> str:
    """Names a runner in ``job_runs.holder``: the machine and process, and which runner of it."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{new_id()[-6:]}"


async def claim_tick(
    ctx: AppContext, job: PeriodicJob, holder: str, *, lease: timedelta = LEASE
) -> int | None:
    """Claim the job's current tick for ``holder``: the tick, or None when it was claimed
    already or another holder's lease has not run out."""
    now = ctx.clock.now()
    tick = tick_of(job, now)
    table = table_of(JobRun)
    row: dict[str, Any] = {
        "name": job.name,
        "last_tick": tick,
        "holder": holder,
        "lease_until": now + lease,
        "started_at": now,
        "finished_at": None,
        "outcome": RUNNING,
        "handled": None,
        "error": None,
    }
    insert = upsert(ctx.database.dialect, table).values(row)
    claim = insert.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={column: insert.excluded[column] for column in row if column != "name"},
        where=(table.c.last_tick < tick) & or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
    ).returning(table.c.name)
    async with ctx.database.uow() as uow:
        claimed = (await uow.execute(claim)).first() is not None
        await uow.commit()
    return tick if claimed else None


def _held(job: PeriodicJob, holder: str, tick: int) -> Update:
    """The job's row while ``holder`` still holds ``tick`` (no other runner took over since)."""
    return (
        update(JobRun)
        .where(
            JobRun.name == job.name,
            JobRun.holder == holder,
            JobRun.last_tick == tick,
            JobRun.outcome == RUNNING,
        )
        .execution_options(synchronize_session=False)
    )


async def renew_lease(
    ctx: AppContext, job: PeriodicJob, holder: str, tick: int, *, lease: timedelta = LEASE
) -> bool:
    """Push the lease on; False when it was lost (it ran out and another runner took over)."""
    async with ctx.database.uow() as uow:
        result = await uow.execute(_held(job, holder, tick).values(lease_until=ctx.clock.now() + lease))
        await uow.commit()
    return int(result.rowcount) == 1


async def release(
    ctx: AppContext, job: PeriodicJob, holder: str, tick: int, outcome: str, handled: int, error: str | None
) -> None:
    """Record how the run ended and free the lease, unless another runner holds it by now."""
    async with ctx.database.uow() as uow:
        await uow.execute(
            _held(job, holder, tick).values(
                lease_until=None, finished_at=ctx.clock.now(), outcome=outcome, handled=handled, error=error
            )
        )
        await uow.commit()


class PeriodicRunner:
    """Runs every registered job at each of its ticks that this runner claims, until stopped."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        jobs: Sequence[PeriodicJob] | None = None,
        holder: str | None = None,
        lease: timedelta = LEASE,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.jobs = jobs  # None: every registered job
        self.holder = holder or new_holder()
        self.lease = lease
        self.renew_seconds = renew_seconds
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in registered_jobs() if self.jobs is None else self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            await asyncio.sleep(seconds_to_next_tick(job, self.ctx.clock.now()))
            try:
                await self.run_due(job)
            except Exception:  # the database was away for a moment: the next tick tries again
                log.exception("job.claim_failed", job=job.name)

    async def run_due(self, job: PeriodicJob) -> bool:
        """Run ``job`` if this runner claims its current tick; False when another runner has
        or had it."""
        tick = await claim_tick(self.ctx, job, self.holder, lease=self.lease)
        if tick is None:
            return False
        keeper = asyncio.create_task(self._keep_lease(job, tick), name=f"job-lease:{job.name}")
        outcome, handled, error = STOPPED, 0, None
        try:
            handled, error = await _run(self.ctx, job)
            outcome = OK if error is None else FAILED
        finally:  # also when stopped mid-run: the next tick need not wait for the lease to run out
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await release(self.ctx, job, self.holder, tick, outcome, handled, error)
            except Exception:  # the lease then runs out by itself
                log.exception("job.release_failed", job=job.name)
        return True

    async def _keep_lease(self, job: PeriodicJob, tick: int) -> None:
        while True:
            await asyncio.sleep(self.renew_seconds)
            try:
                renewed = await renew_lease(self.ctx, job, self.holder, tick, lease=self.lease)
            except Exception:
                log.exception("job.renew_failed", job=job.name)
                continue
            if not renewed:
                log.warning("job.lease_lost", job=job.name, tick=tick)
                return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
