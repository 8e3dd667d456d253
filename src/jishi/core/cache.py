"""One small cache interface: in-process by default, Redis when configured.

It backs read caches, rate limits and (later) flash-sale admission, so it
offers the few atomic operations those need and nothing more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
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
