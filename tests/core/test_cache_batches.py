"""Batched rebuilds of many cache entries, and rebuilding popular entries ahead of expiry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from jishi.core import cache as cache_module
from jishi.core.cache import Batcher, MemoryCache, SingleFlight, cached
from jishi.core.context import AppContext
from jishi.core.ids import new_id


async def test_keys_asked_for_together_are_loaded_in_one_call() -> None:
    batcher = Batcher()
    calls: list[list[str]] = []

    async def load_many(keys: list[str]) -> dict[str, bytes]:
        calls.append(sorted(keys))
        await asyncio.sleep(0)
        return {k: k.encode() for k in keys}

    keys = ["a", "b", "a", "c", "b"]
    values = await asyncio.gather(*(batcher.load("pages", k, load_many) for k in keys))
    assert values == [b"a", b"b", b"a", b"c", b"b"]
    assert calls == [["a", "b", "c"]]
    assert await batcher.load("pages", "a", load_many) == b"a" and len(calls) == 2  # nothing kept


async def test_keys_asked_for_while_batches_load_wait_and_go_together() -> None:
    batcher = Batcher()
    calls: list[list[str]] = []
    release = asyncio.Event()

    async def load_many(keys: list[str]) -> dict[str, bytes]:
        calls.append(sorted(keys))
        await release.wait()
        return {k: k.encode() for k in keys}

    async def turns(n: int = 3) -> None:
        for _ in range(n):
            await asyncio.sleep(0)

    keys = [f"k{i}" for i in range(Batcher.MAX_LOADING)] + ["x", "y"]
    waiting = []
    for key in keys:
        waiting.append(asyncio.ensure_future(batcher.load("g", key, load_many)))
        await turns()  # each key in a turn of its own
    assert calls == [[f"k{i}"] for i in range(Batcher.MAX_LOADING)]  # as many batches as may load
    release.set()
    assert await asyncio.gather(*waiting) == [k.encode() for k in keys]
    assert calls[Batcher.MAX_LOADING :] == [["x", "y"]]  # the ones that waited went together


async def test_a_failed_batch_fails_every_waiter() -> None:
    batcher = Batcher()

    async def broken(keys: list[str]) -> dict[str, bytes]:
        raise RuntimeError("database went away")

    outcomes = await asyncio.gather(*(batcher.load("g", k, broken) for k in "xyz"), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)

    async def partial(keys: list[str]) -> dict[str, bytes]:
        return {}  # a loader that forgets keys must not leave its waiters hanging

    with pytest.raises(KeyError):
        await batcher.load("g", "x", partial)


@dataclass
class FakeTime:
    now: float = 1_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


async def test_a_popular_entry_is_rebuilt_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime()
    monkeypatch.setattr(cache_module, "time", clock)
    store, flights = MemoryCache(), SingleFlight()
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        return f"v{builds}".encode()

    assert await cached(store, flights, "k", 1.0, build) == b"v1"
    clock.now += 0.3
    assert await cached(store, flights, "k", 1.0, build) == b"v1" and builds == 1
    clock.now += 0.3  # in the second half of its life: served, and rebuilt behind the reader's back
    assert await cached(store, flights, "k", 1.0, build) == b"v1"
    for _ in range(5):
        await asyncio.sleep(0)
    assert builds == 2
    assert await cached(store, flights, "k", 1.0, build) == b"v2"
    clock.now += 5  # gone: the next reader waits for a rebuild
    assert await cached(store, flights, "k", 1.0, build) == b"v3"


async def test_several_entries_are_stored_at_once(app_ctx: AppContext) -> None:
    keys = [f"test:{new_id()}" for _ in range(3)]
    await app_ctx.cache.set_many({k: k.encode() for k in keys}, 0.2)  # Redis when the tests have one
    assert [await app_ctx.cache.get(k) for k in keys] == [k.encode() for k in keys]
    await app_ctx.cache.set_many({}, 0.2)
    await asyncio.sleep(0.3)
    assert [await app_ctx.cache.get(k) for k in keys] == [None, None, None]
