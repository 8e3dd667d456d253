"""Periodic sweeps of order deadlines."""

from __future__ import annotations

from jishi.core.context import AppContext
from jishi.core.jobs import periodic
from jishi.orders import service


@periodic("orders.cancel_overdue", every_seconds=15)
async def cancel_overdue(ctx: AppContext) -> int:
    return await service.cancel_overdue(ctx)


@periodic("orders.complete_overdue", every_seconds=300)
async def complete_overdue(ctx: AppContext) -> int:
    return await service.complete_overdue(ctx)
