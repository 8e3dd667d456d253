"""Periodic sweeps of order deadlines."""

from __future__ import annotations

from jishi.core.context import AppContext
from jishi.orders import service


async def cancel_overdue(ctx: AppContext) -> int:
    return await service.cancel_overdue(ctx)


async def complete_overdue(ctx: AppContext) -> int:
    return await service.complete_overdue(ctx)
