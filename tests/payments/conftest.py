"""Fixtures of the payments tests: a buyer with a pending payment, a recorded listener, and a
second channel to switch to."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.payments import providers, service
from jishi.payments.events import PaymentPaid
from jishi.payments.providers.base import PaymentProvider
from jishi.payments.providers.sandbox import SandboxProvider
from jishi.payments.sandbox_gateway import published_keys
from jishi.payments.sandbox_protocol import merchant_key
from jishi.payments.service import NewPayment
from tests.conftest import Account, register
from tests.payments.helpers import new_payment


@dataclass
class PaidListener:
    """Records every payment the paid-path hands to listeners; ``failures`` makes it raise."""

    paid: list[str] = field(default_factory=list)
    failures: int = 0

    async def __call__(self, uow: UnitOfWork, paid: PaymentPaid) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("the listener is down")
        self.paid.append(paid.payment_id)


@pytest.fixture
def listener(monkeypatch: pytest.MonkeyPatch) -> PaidListener:
    # Only this listener: the orders package's one is not under test here.
    recorder = PaidListener()
    monkeypatch.setattr(service, "_paid_listeners", [recorder])
    return recorder


@pytest.fixture
async def buyer(client: httpx.AsyncClient) -> Account:
    return await register(client)


@pytest.fixture
async def payment(app_ctx: AppContext, buyer: Account) -> NewPayment:
    return await new_payment(app_ctx, buyer.id)


class SecondSandbox(SandboxProvider):
    """The sandbox gateway under another channel's name, so a buyer can switch channel."""

    channel = "alipay"


@pytest.fixture
def second_channel(monkeypatch: pytest.MonkeyPatch) -> str:
    def build(ctx: AppContext) -> PaymentProvider:
        return SecondSandbox(
            http=ctx.outbound,
            gateway_url=ctx.settings.public_base_url,
            merchant_key=merchant_key(ctx.keyring),
            gateway_keys=published_keys(ctx.keyring),
            clock=ctx.clock,
        )

    monkeypatch.setitem(providers.FACTORIES, SecondSandbox.channel, build)
    return SecondSandbox.channel
