"""Periodic jobs of payments: the query fallback for lost notifications, and the sandbox
gateway's notification sender (it runs wherever the jobs run)."""

from __future__ import annotations

from jishi.core.context import AppContext
from jishi.payments import sandbox_gateway, service


async def reconcile_pending_payments(ctx: AppContext) -> int:
    return await service.reconcile_pending(ctx)


async def send_sandbox_notifications(ctx: AppContext) -> int:
    if not ctx.settings.payments_sandbox:
        return 0
    return await sandbox_gateway.deliver_due_notifications(ctx)
