import asyncio

import pytest

from jishi.core.cache import SingleFlight


async def test_concurrent_misses_build_once() -> None:
    flight = SingleFlight()
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.01)
        return b"page"

    results = await asyncio.gather(*(flight.run("k", build) for _ in range(20)))
    assert results == [b"page"] * 20 and builds == 1
    assert await flight.run("k", build) == b"page" and builds == 2  # nothing is kept afterwards


async def test_a_failed_build_fails_every_waiter_and_is_not_kept() -> None:
    flight = SingleFlight()

    async def broken() -> bytes:
        await asyncio.sleep(0.01)
        raise RuntimeError("database went away")

    outcomes = await asyncio.gather(*(flight.run("k", broken) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)

    async def ok() -> bytes:
        return b"fine"

    assert await flight.run("k", ok) == b"fine"
    with pytest.raises(RuntimeError):
        await flight.run("k", broken)
