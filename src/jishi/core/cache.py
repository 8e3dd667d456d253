"""One small cache interface: in-process by default, Redis when configured.

It backs read caches, rate limits and (later) flash-sale admission, so it
offers the few atomic operations those need and nothing more.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None:
        """``set`` each item, in one round trip."""
        ...

    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        """Add one to a counter that lives ``ttl_seconds`` from its first increment.

        Returns the new count and the seconds left before the counter resets.
        """
        ...

    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryCache:
    """A per-process cache; entries expire lazily and the size is bounded."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: dict[str, tuple[float, bytes]] = {}
        self._counters: dict[str, tuple[float, int]] = {}
        self._max_entries = max_entries

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    async def get(self, key: str) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self._now():
            self._data.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if len(self._data) >= self._max_entries:
            self._evict()
        self._data[key] = (self._now() + ttl_seconds, value)

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None:
        for key, value in items.items():
            await self.set(key, value, ttl_seconds)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)
            self._counters.pop(key, None)

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        now = self._now()
        expires, count = self._counters.get(key, (0.0, 0))
        if expires <= now:
            expires, count = now + ttl_seconds, 0
        count += 1
        self._counters[key] = (expires, count)
        if len(self._counters) > self._max_entries:
            self._counters = {k: v for k, v in self._counters.items() if v[0] > now}
        return count, max(1, int(expires - now))

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()
        self._counters.clear()

    def _evict(self) -> None:
        now = self._now()
        self._data = {k: v for k, v in self._data.items() if v[0] > now}
        while len(self._data) >= self._max_entries:
            self._data.pop(next(iter(self._data)))


class RedisCache:
    def __init__(self, url: str, *, prefix: str = "jishi:") -> None:
        self._redis: Redis = Redis.from_url(url)
        self._prefix = prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._k(key))
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._redis.set(self._k(key), value, px=max(1, int(ttl_seconds * 1000)))

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None:
        if not items:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in items.items():
                pipe.set(self._k(key), value, px=max(1, int(ttl_seconds * 1000)))
            await pipe.execute()

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*(self._k(k) for k in keys))

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        full = self._k(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full)
            pipe.expire(full, ttl_seconds, nx=True)
            pipe.ttl(full)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


def create_cache(redis_url: str | None, *, prefix: str = "jishi:") -> Cache:
    return RedisCache(redis_url, prefix=prefix) if redis_url else MemoryCache()


class RateLimiter:
    """Fixed-window counters on top of the cache."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> tuple[bool, int]:
        """Count one event; returns (still allowed, seconds until the window resets)."""
        count, retry_after = await self.cache.incr(f"rl:{key}", window_seconds)
        return count <= limit, retry_after

    async def reset(self, key: str) -> None:
        await self.cache.delete(f"rl:{key}")


class SingleFlight:
    """Collapses concurrent rebuilds of one cache entry in this process into one.

    When a popular entry expires, every request that misses at that moment would
    otherwise rebuild it at once (a thundering herd); here the first one builds and
    the others await its result.
    """

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self._background: set[asyncio.Task[bytes]] = set()

    def start(self, key: str, build: Callable[[], Awaitable[bytes]]) -> None:
        """Rebuild in the background, unless a rebuild of ``key`` is under way."""
        if key not in self._inflight:
            _in_background(self._background, self.run(key, build))

    async def run(self, key: str, build: Callable[[], Awaitable[bytes]]) -> bytes:
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._inflight[key]


def _in_background(tasks: set[asyncio.Task[bytes]], work: Awaitable[bytes]) -> None:
    async def run() -> bytes:
        return await work

    task = asyncio.get_running_loop().create_task(run())
    tasks.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(lambda done: _settled(tasks, done))


def _settled(tasks: set[asyncio.Task[bytes]], task: asyncio.Task[bytes]) -> None:
    tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # The entry in hand stays until it expires; the next miss tries again.
        log.warning("cache.refresh_failed", exc_info=task.exception())


# ---- refreshing ahead of expiry -----------------------------------------------------------

_STAMP = struct.Struct("!d")
REFRESH_AHEAD = 0.5  # of an entry's life: a hit past it rebuilds the entry in the background


def stamped(value: bytes) -> bytes:
    """``value`` with the (wall-clock) time it was built, as ``unstamped`` reads it."""
    return _STAMP.pack(time.time()) + value


def unstamped(stored: bytes, ttl: float) -> tuple[bytes, bool]:
    """The value of a ``stamped`` entry living ``ttl`` seconds, and whether it is due for
    rebuilding ahead of its expiry."""
    (built_at,) = _STAMP.unpack_from(stored)
    return stored[_STAMP.size :], time.time() - built_at >= ttl * REFRESH_AHEAD


async def cached(
    cache: Cache, flights: SingleFlight, key: str, ttl: float, build: Callable[[], Awaitable[bytes]]
) -> bytes:
    """``build()``'s bytes, cached ``ttl`` seconds and rebuilt once per process on a miss.

    A hit in the second half of the entry's life also starts one rebuild in the background,
    so a popular entry is replaced before it expires and its readers never wait for it (under
    load, a rebuild waits its turn on a busy event loop for tens of milliseconds, and so did
    every request for that entry). An entry is still never older than ``ttl``.
    """

    async def rebuild() -> bytes:
        value = await build()
        await cache.set(key, stamped(value), ttl)
        return value

    stored = await cache.get(key)
    if stored is None:
        return await flights.run(key, rebuild)
    value, due = unstamped(stored, ttl)
    if due:
        flights.start(key, rebuild)
    return value


# ---- batches --------------------------------------------------------------------------------

LoadMany = Callable[[list[str]], Awaitable[dict[str, bytes]]]


class Batcher:
    """Collapses concurrent rebuilds of many cache entries of one kind into one load per batch.

    A key asked for while nothing of its group is queued starts a batch that runs on the next
    turn of the event loop; every key of that group asked for until then joins it, and
    ``load_many`` builds them all at once (one database round trip instead of one per key).
    At most MAX_LOADING batches of a group are loaded at once: keys asked for meanwhile wait
    and go together in the next batch as soon as one finishes. Under load this keeps batches
    large and connections few (a batch per turn of a busy loop was a handful of keys, and
    dozens of batches in flight took more connections than the pool keeps open). A key
    already queued or being loaded is not loaded twice. Per process, like SingleFlight.
    """

    MAX_BATCH = 200
    MAX_LOADING = 2

    def __init__(self) -> None:
        self._queued: dict[str, dict[str, asyncio.Future[bytes]]] = {}
        self._loading: dict[str, dict[str, asyncio.Future[bytes]]] = {}
        self._loaders: dict[str, LoadMany] = {}
        self._in_flight: dict[str, int] = {}
        self._starting: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[bytes]] = set()

    def start(self, group: str, key: str, load_many: LoadMany) -> None:
        """Load in the background, unless ``key`` is queued or being loaded already."""
        if key not in self._queued.get(group, {}) and key not in self._loading.get(group, {}):
            _in_background(self._background, self.load(group, key, load_many))

    async def load(self, group: str, key: str, load_many: LoadMany) -> bytes:
        loading = self._loading.setdefault(group, {})
        queued = self._queued.setdefault(group, {})
        future = queued.get(key) or loading.get(key)
        if future is None:
            future = queued[key] = asyncio.get_running_loop().create_future()
            self._loaders[group] = load_many
            self._schedule(group)
        return await asyncio.shield(future)

    def _schedule(self, group: str) -> None:
        """Start the queued keys on the next turn of the loop, if a batch may start."""
        if (
            self._queued.get(group)
            and group not in self._starting
            and self._in_flight.get(group, 0) < self.MAX_LOADING
        ):
            self._starting.add(group)
            asyncio.get_running_loop().call_soon(self._start, group)

    def _start(self, group: str) -> None:
        self._starting.discard(group)
        queued = self._queued[group]
        while queued and self._in_flight.get(group, 0) < self.MAX_LOADING:
            keys = list(queued)[: self.MAX_BATCH]
            batch = {key: queued.pop(key) for key in keys}
            self._loading[group].update(batch)
            self._in_flight[group] = self._in_flight.get(group, 0) + 1
            task = asyncio.get_running_loop().create_task(self._run(group, batch, self._loaders[group]))
            self._tasks.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._tasks.discard)

    async def _run(self, group: str, batch: dict[str, asyncio.Future[bytes]], load_many: LoadMany) -> None:
        try:
            values = await load_many(list(batch))
            results = [(future, values[key]) for key, future in batch.items()]
        except Exception as exc:
            for future in batch.values():
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it themselves
        else:
            for future, value in results:
                future.set_result(value)
        finally:
            for key in batch:
                self._loading[group].pop(key, None)
            self._in_flight[group] -= 1
            self._schedule(group)
