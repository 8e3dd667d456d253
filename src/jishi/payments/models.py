"""Tables of the payments package.

A payment is what the buyer pays for one checkout (possibly several shops'
orders). ``trade_no`` is our merchant trade number (商户订单号) sent to the
gateway; ``gateway_trade_no`` is the gateway's own (交易号). Every number ever sent
to a gateway is kept in ``payment_trades``, so news about a closed one still finds
its payment. Every notification received is kept, verified or not, for
reconciliation and support.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column, staging
from jishi.core.ids import ID_LENGTH

PAYMENT_STATUSES = ("pending", "paid", "closed", "refunded")
CHANNELS = ("alipay", "wechat", "unionpay", "sandbox")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_status_expires", "status", "expires_at"),
        Index("ix_payments_buyer_created", "buyer_id", "created_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[str] = id_column()
    buyer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    channel: Mapped[str | None] = mapped_column(String(16))
    trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    gateway_trade_no: Mapped[str | None] = mapped_column(String(64))
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentRefund(Base):
    """Money sent back through the channel it came in by (退款), through the trade that holds it.

    ``trade_no`` is the payment's own trade for a refund of what the payment was paid
    (counted in ``payments.refunded_fen``), or a former trade whose money paid nothing
    (重复支付: see ``PaymentTrade.refund_id``), which is not counted.
    """

    __tablename__ = "payment_refunds"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[str] = id_column()
    payment_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("payments.id"), index=True)
    trade_no: Mapped[str] = mapped_column(String(32))
    refund_no: Mapped[str] = mapped_column(String(32), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | succeeded | failed
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class PaymentTrade(Base):
    """A trade number (商户订单号) a payment sent to a gateway, kept after it is replaced.

    Written in the transaction that records the trade as open, before the gateway hears
    of it; ``closed_at`` is set in the transaction that replaces the number. A gateway
    may still report a closed trade paid (the buyer paid as the close took effect), so
    its news is resolved here to the payment. ``amount_fen`` is what the trade asked:
    it pays the payment only while the payment still owes exactly that. ``refund_id``
    is the refund that sent back money the payment did not need (at most one a trade);
    ``resolved_at`` says nothing more is to be learnt about the trade from its gateway.
    """

    __tablename__ = "payment_trades"

    trade_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("payments.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    refund_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("payment_refunds.id"))


class PaymentNotification(Base):
    """A notification a gateway sent (异步通知), as received, and what we made of it."""

    __tablename__ = "payment_notifications"
    __table_args__ = (Index("ix_payment_notifications_trade", "channel", "trade_no"),)

    id: Mapped[str] = id_column()
    channel: Mapped[str] = mapped_column(String(16))
    trade_no: Mapped[str | None] = mapped_column(String(32))
    payment_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    verified: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(32))  # applied | duplicate | rejected | ...
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SandboxTrade(Base):
    """A trade inside the built-in sandbox gateway. The gateway stands outside the
    app (own routes, own signing key); it only keeps its state in the same database."""

    __tablename__ = "sandbox_trades"

    gateway_trade_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(128))
    notify_url: Mapped[str] = mapped_column(String(300))
    return_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | paid | closed
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    # The gateway's own retry schedule for its asynchronous notification (异步通知).
    notify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_notify_at: Mapped[datetime | None] = mapped_column(index=True)
    notified_at: Mapped[datetime | None]


class SandboxRefund(Base):
    """A refund the sandbox gateway made. Like a real gateway's, a refund number (退款单号)
    refunds at most once: the same request again answers what the first did."""

    __tablename__ = "sandbox_refunds"

    refund_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    gateway_trade_no: Mapped[str] = mapped_column(
        String(64), ForeignKey("sandbox_trades.gateway_trade_no"), index=True
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PaymentRow(TypedDict):
    """A checkout's payment as staged with its orders (``PAYMENT_ROWS``)."""

    id: str
    buyer_id: str
    amount_fen: int
    subject: str
    status: str
    channel: str | None
    trade_no: str
    refunded_fen: int
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


PAYMENT_ROWS = staging(Payment, PaymentRow)
