"""Periodic jobs run once per tick across every process that runs jobs.

Each ``AppContext`` here stands for one process (a web worker or a ``jishi worker``, on this
machine or another): its own engine and connections, the same database and clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jishi.core import jobs
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.jobs import JobRun, PeriodicJob, PeriodicRunner
from jishi.settings import Settings

EVERY = 15.0


class Counting:
    """A job that counts its runs; ``hold`` keeps a run going until the test lets it end."""

    def __init__(self) -> None:
        self.runs = 0
        self.counted = asyncio.Condition()
        self.running = asyncio.Event()
        self.hold: asyncio.Event | None = None

    async def __call__(self, ctx: AppContext) -> int:
        async with self.counted:
            self.runs += 1
            self.counted.notify_all()
        self.running.set()
        if self.hold is not None:
            await asyncio.wait_for(self.hold.wait(), 5)  # a run that should not have started ends
        return 1

    async def reached(self, runs: int) -> None:
        async with asyncio.timeout(5), self.counted:
            await self.counted.wait_for(lambda: self.runs >= runs)


def job_of(run: Callable[[AppContext], Awaitable[int]], every: float = EVERY) -> PeriodicJob:
    return PeriodicJob("test.sweep", every, run)


@pytest.fixture
async def processes(
    app_ctx: AppContext, settings: Settings, clock: FrozenClock
) -> AsyncIterator[list[AppContext]]:
    """Four processes on one database; the first is ``app_ctx``."""
    others = [AppContext.build(settings, clock) for _ in range(3)]
    yield [app_ctx, *others]
    for ctx in others:
        await ctx.close()


def at_tick_start(clock: FrozenClock, job: PeriodicJob) -> None:
    """Move the clock to the start of the job's next tick, so moves shorter than a tick stay in it."""
    clock.advance(timedelta(seconds=jobs.seconds_to_next_tick(job, clock.now())))


async def last_run(ctx: AppContext, name: str = "test.sweep") -> JobRun:
    async with ctx.database.uow() as uow:
        return (await uow.session.scalars(select(JobRun).where(JobRun.name == name))).one()


async def test_a_job_runs_once_per_tick_whichever_process_wakes(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    count = Counting()
    job = job_of(count)
    runners = [PeriodicRunner(ctx) for ctx in processes]
    at_tick_start(clock, job)

    ran = await asyncio.gather(*(runner.run_due(job) for runner in runners))
    assert ran.count(True) == 1
    clock.advance(timedelta(seconds=EVERY - 1))  # still the same tick
    assert not any(await asyncio.gather(*(runner.run_due(job) for runner in runners)))
    assert count.runs == 1

    clock.advance(timedelta(seconds=1))  # the next tick
    ran = await asyncio.gather(*(runner.run_due(job) for runner in runners))
    assert ran.count(True) == 1
    assert count.runs == 2

    record = await last_run(processes[0])
    winner = runners[ran.index(True)]
    assert (record.holder, record.outcome, record.handled) == (winner.holder, "ok", 1)
    assert record.started_at == record.finished_at == clock.now()
    assert record.lease_until is None


async def test_started_runners_share_the_ticks(processes: list[AppContext], clock: FrozenClock) -> None:
    """The runners' own loops, waking many times a tick (the clock stands still between moves)."""
    count = Counting()
    every = 0.02
    job = job_of(count, every)
    runners = [PeriodicRunner(ctx, jobs=[job]) for ctx in processes[:2]]
    for runner in runners:
        runner.start()
    try:
        await count.reached(1)
        await asyncio.sleep(0.2)  # some ten more wake-ups of each runner
        assert count.runs == 1
        clock.advance(timedelta(seconds=every))
        await count.reached(2)
        await asyncio.sleep(0.2)
        assert count.runs == 2
    finally:
        for runner in runners:
            await runner.stop()


async def test_a_run_longer_than_its_interval_holds_off_the_next_ticks(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    count = Counting()
    count.hold = asyncio.Event()
    job = job_of(count)
    first, second = PeriodicRunner(processes[0]), PeriodicRunner(processes[1])
    at_tick_start(clock, job)
    long_run = asyncio.create_task(first.run_due(job))
    await asyncio.wait_for(count.running.wait(), 5)

    clock.advance(timedelta(seconds=2 * EVERY))
    assert await second.run_due(job) is False
    assert count.runs == 1

    count.hold.set()
    assert await long_run is True
    assert await second.run_due(job) is True  # this tick is still free
    assert count.runs == 2


async def test_a_crashed_holders_lease_runs_out_and_another_process_takes_over(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    count = Counting()
    job = job_of(count)
    at_tick_start(clock, job)
    # What a process killed during a run leaves behind: a claimed tick, a lease, no end.
    tick = await jobs.claim_tick(processes[0], job, "killed-process")
    assert tick is not None
    survivor = PeriodicRunner(processes[1])

    clock.advance(timedelta(seconds=EVERY))
    assert await survivor.run_due(job) is False
    clock.advance(jobs.LEASE - timedelta(seconds=EVERY + 1))
    assert await survivor.run_due(job) is False  # a second short of the lease's end
    assert count.runs == 0

    clock.advance(timedelta(seconds=1))
    assert await survivor.run_due(job) is True
    assert count.runs == 1

    # Were the old holder only slow, its late ending does not overwrite the new record.
    await jobs.release(processes[0], job, "killed-process", tick, "ok", 5, None)
    assert (await last_run(processes[0])).holder == survivor.holder


async def test_a_running_job_keeps_its_lease(processes: list[AppContext], clock: FrozenClock) -> None:
    count = Counting()
    count.hold = asyncio.Event()
    job = job_of(count)
    holder = PeriodicRunner(processes[0], renew_seconds=0.02)
    other = PeriodicRunner(processes[1])
    at_tick_start(clock, job)
    long_run = asyncio.create_task(holder.run_due(job))
    await asyncio.wait_for(count.running.wait(), 5)

    for _ in range(3):  # three minutes of a run, well past the first lease
        clock.advance(timedelta(seconds=55))
        await asyncio.sleep(0.1)  # renewed meanwhile
        assert await other.run_due(job) is False
    count.hold.set()
    await long_run
    assert count.runs == 1


async def test_a_runner_stopped_mid_run_frees_the_next_tick(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    count = Counting()
    count.hold = asyncio.Event()
    every = 0.02
    job = job_of(count, every)
    stopping = PeriodicRunner(processes[0], jobs=[job])
    stopping.start()
    await asyncio.wait_for(count.running.wait(), 5)

    await stopping.stop()  # a deploy restarts the process
    record = await last_run(processes[0])
    assert (record.outcome, record.lease_until) == ("stopped", None)
    clock.advance(timedelta(seconds=every))
    count.hold.set()
    assert await PeriodicRunner(processes[1]).run_due(job) is True
    assert count.runs == 2


async def test_a_failing_job_is_recorded_and_runs_again_next_tick(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    attempts: list[int] = []

    async def failing(ctx: AppContext) -> int:
        attempts.append(1)
        raise RuntimeError("gateway down")

    job = job_of(failing)
    runner = PeriodicRunner(processes[0])
    at_tick_start(clock, job)
    assert await runner.run_due(job) is True
    record = await last_run(processes[0])
    assert (record.outcome, record.error) == ("failed", "RuntimeError: gateway down")
    assert record.lease_until is None

    clock.advance(timedelta(seconds=EVERY))
    assert await PeriodicRunner(processes[1]).run_due(job) is True
    assert len(attempts) == 2


async def test_a_claim_racing_an_uncommitted_one_waits_and_then_skips_the_tick(
    processes: list[AppContext], clock: FrozenClock
) -> None:
    """On PostgreSQL: the second claim blocks on the row, then sees the first one's tick."""
    if processes[0].database.dialect != "postgresql":
        pytest.skip("concurrent transactions on PostgreSQL")
    count = Counting()
    job = job_of(count)
    at_tick_start(clock, job)
    assert await PeriodicRunner(processes[0]).run_due(job) is True

    for commits, expected in ((True, False), (False, True)):
        clock.advance(jobs.LEASE)  # a later tick, past the lease the last round left
        tick = jobs.tick_of(job, clock.now())
        async with processes[1].database.engine.connect() as first:
            await first.execute(
                update(JobRun)
                .where(JobRun.name == job.name)
                .values(last_tick=tick, holder="first", lease_until=clock.now() + jobs.LEASE)
            )
            racing = asyncio.create_task(PeriodicRunner(processes[2]).run_due(job))
            await asyncio.sleep(0.3)
            assert not racing.done()  # waiting for the first claim's row lock
            await (first.commit() if commits else first.rollback())
            assert await racing is expected  # the tick was taken; or, rolled back, it was free
    assert count.runs == 2


async def test_operators_see_each_job_and_how_its_last_run_ended(
    app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = job_of(Counting())
    monkeypatch.setattr(jobs, "_jobs", {job.name: job})
    assert await jobs.last_runs(app_ctx) == [(job, None)]
    assert await PeriodicRunner(app_ctx, jobs=[job]).run_due(job)
    [(listed, last)] = await jobs.last_runs(app_ctx)
    assert listed == job and last is not None
    assert (last.outcome, last.handled, last.error, last.lease_until) == ("ok", 1, None, None)
