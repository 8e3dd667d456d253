"""Periodic jobs of payments: the query fallback for lost notifications, and the sandbox
gateway's notification sender (it runs wherever the jobs run)."""

from __future__ import annotations

from jishi.core.context import AppContext
from jishi.core.jobs import periodic
from jishi.payments import sandbox_gateway, service


@periodic("payments.reconcile", every_seconds=30)
async def reconcile_pending_payments(ctx: AppContext) -> int:
    return await service.reconcile_pending(ctx)


@periodic("payments.sandbox_notifications", every_seconds=5)
async def send_sandbox_notifications(ctx: AppContext) -> int:
    if not ctx.settings.payments_sandbox:
        return 0
    return await sandbox_gateway.deliver_due_notifications(ctx)
