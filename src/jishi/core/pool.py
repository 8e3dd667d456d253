"""A connection pool that hands connections out in the order they were asked for.

SQLAlchemy's asyncio pool takes a free connection at once when one is there, even
while others are waiting, and a waiter that was woken but beaten to it goes back to
the end of the line. Under sustained load (more requests than connections) that
starves a few unlucky requests for seconds while the median looks fine. Here a
returned connection goes straight to the longest waiter, and nobody jumps the line.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty


class FairQueue(AsyncAdaptedQueue[Any]):
    """The pool's store of idle connections, first come first served."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[Any]] = deque()

    def put_nowait(self, item: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never holds more than its size: nothing to wait for

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not self._waiters:
            try:
                return self.get_nowait()
            except Empty:
                if not block:
                    raise
        elif not block:
            raise Empty()
        return await_(self._wait(seconds=timeout))

    async def _wait(self, *, seconds: float | None) -> Any:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        taken = False
        try:
            async with asyncio.timeout(seconds):
                item = await waiter
                taken = True
                return item
        except TimeoutError:
            raise Empty() from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif not taken and waiter.done() and not waiter.cancelled():
                # Handed a connection just as the wait ended (timeout, cancelled request):
                # pass it on rather than lose it.
                self.put_nowait(waiter.result())


class FairPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio queue pool with connections handed out in arrival order."""

    _queue_class = FairQueue
