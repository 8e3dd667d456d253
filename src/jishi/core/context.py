"""The application's long-lived collaborators, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from jishi.core.cache import Batcher, Cache, RateLimiter, SingleFlight, create_cache
from jishi.core.clock import Clock, SystemClock
from jishi.core.db import Database
from jishi.core.security import Keyring
from jishi.core.storage import LocalStorage, Storage
from jishi.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    database: Database
    cache: Cache
    keyring: Keyring
    clock: Clock
    storage: Storage
    rate_limiter: RateLimiter = field(init=False)
    single_flight: SingleFlight = field(init=False)
    batcher: Batcher = field(init=False)
    # Calls to the outside (payment gateways, carriers); tests route it into the app itself.
    outbound: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.rate_limiter = RateLimiter(self.cache)
        self.single_flight = SingleFlight()
        self.batcher = Batcher()
        self.outbound = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0))

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> AppContext:
        clock = clock or SystemClock()
        if settings.is_sqlite:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            database=Database(
                settings.database_url, clock, echo=settings.debug, pool_size=settings.database_pool_size
            ),
            cache=create_cache(settings.redis_url, prefix=settings.cache_prefix),
            keyring=Keyring(settings.secret),
            clock=clock,
            storage=LocalStorage(settings.var_dir / "media", base_url=settings.media_url),
        )

    async def close(self) -> None:
        await self.outbound.aclose()
        await self.cache.close()
        await self.database.dispose()
