"""Payment providers by channel (支付渠道): built from the app context when needed.

A factory answers ``None`` while its channel is not configured. Alipay, WeChat Pay and
UnionPay need merchant credentials that have no settings yet, so only the sandbox
(when ``JISHI_PAYMENTS_SANDBOX`` is on) can take payments for now.
"""

from __future__ import annotations

from collections.abc import Callable

from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.payments.providers.base import PaymentProvider
from jishi.payments.providers.sandbox import SandboxProvider
from jishi.payments.sandbox_gateway import published_keys
from jishi.payments.sandbox_protocol import merchant_key

ProviderFactory = Callable[[AppContext], PaymentProvider | None]


def _sandbox(ctx: AppContext) -> PaymentProvider | None:
    if not ctx.settings.payments_sandbox:
        return None
    return SandboxProvider(
        http=ctx.outbound,
        gateway_url=ctx.settings.public_base_url,
        merchant_key=merchant_key(ctx.keyring),
        gateway_keys=published_keys(ctx.keyring),
        clock=ctx.clock,
    )


FACTORIES: dict[str, ProviderFactory] = {"sandbox": _sandbox}


def provider_for(ctx: AppContext, channel: str) -> PaymentProvider:
    """The channel's provider; 409 ``channel_unavailable`` when it is not configured."""
    factory = FACTORIES.get(channel)
    provider = factory(ctx) if factory is not None else None
    if provider is None:
        raise AppError("channel_unavailable")
    return provider
