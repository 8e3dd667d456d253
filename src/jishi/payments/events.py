"""Events the payments package publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from jishi.core.events import Event


class PaymentPaid(Event):
    """A payment went through (支付成功). Also handed, inside the transaction that marks it
    paid, to the listeners registered with ``payments.service.on_payment_paid``."""

    topic: ClassVar[str] = "payment.paid"
    payment_id: str
    buyer_id: str
    amount_fen: int
    channel: str
    paid_at: datetime


class PaymentClosed(Event):
    """Every order of the payment was cancelled: nothing is left to pay."""

    topic: ClassVar[str] = "payment.closed"
    payment_id: str


class PaymentRefunded(Event):
    """Money went back to the buyer through the payment's channel (退款成功)."""

    topic: ClassVar[str] = "payment.refunded"
    payment_id: str
    refund_id: str
    amount_fen: int
    order_id: str | None
