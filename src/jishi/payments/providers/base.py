"""The interface every payment channel's provider implements (支付渠道接口).

A provider speaks one gateway's protocol: it opens trades (下单), reads and verifies
the gateway's asynchronous notifications (异步通知), answers them the way the gateway
expects, and queries, closes and refunds trades. It holds no business rules: the
payments service decides what a paid, closed or refunded trade means for a payment.
Providers get their keys, settings and HTTP client when they are built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

PayActionType = Literal["redirect", "qrcode", "form"]
TradeStatus = Literal["waiting", "paid", "closed", "not_found"]
RefundStatus = Literal["succeeded", "failed"]


@dataclass(frozen=True)
class TradeRequest:
    """What the gateway needs to open a trade. ``trade_no`` is ours (商户订单号)."""

    trade_no: str
    amount_fen: int
    subject: str
    notify_url: str
    return_url: str
    expires_at: datetime


@dataclass(frozen=True)
class PayAction:
    """What the buyer's client does next: follow a URL, show a QR code or post a form."""

    type: PayActionType
    url: str | None = None
    qr_content: str | None = None
    form_fields: Mapping[str, str] | None = None


@dataclass(frozen=True)
class GatewayNotice:
    """A verified notification. ``trade_no`` is ours, ``gateway_trade_no`` the gateway's (交易号)."""

    trade_no: str
    gateway_trade_no: str
    amount_fen: int
    status: TradeStatus
    paid_at: datetime | None
    notify_id: str


@dataclass(frozen=True)
class GatewayReply:
    """The answer a gateway expects to a notification (Alipay: the text ``success``)."""

    status_code: int
    body: bytes
    media_type: str


@dataclass(frozen=True)
class TradeState:
    """What the gateway says about a trade when asked (交易查询)."""

    status: TradeStatus
    amount_fen: int | None = None
    gateway_trade_no: str | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundOutcome:
    """The gateway's decision on one refund request; ``reason`` says why it failed."""

    refund_no: str
    status: RefundStatus
    reason: str | None = None


class PaymentProvider(ABC):
    """One channel's gateway protocol. Failures to reach or trust the gateway raise
    ``GatewayUnavailable``; see ``jishi.payments.errors`` for the others."""

    channel: ClassVar[str]

    @abstractmethod
    async def create_trade(self, request: TradeRequest) -> PayAction:
        """Open a trade, or return the open one for the same trade number and amount.

        Raises ``TradeAlreadyPaid`` or ``TradeClosed`` when that number is no longer open.
        """

    @abstractmethod
    async def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayNotice:
        """Verify and read a notification; raises ``InvalidNotification``."""

    @abstractmethod
    def notification_reply(self, accepted: bool) -> GatewayReply:
        """The reply that tells the gateway to stop (accepted) or to send again."""

    @abstractmethod
    async def query(self, trade_no: str) -> TradeState:
        """Ask the gateway for the trade's state."""

    @abstractmethod
    async def close(self, trade_no: str) -> None:
        """Close the trade so it can no longer be paid (关闭交易).

        A trade the gateway never opened counts as closed; raises ``TradeAlreadyPaid``.
        """

    @abstractmethod
    async def refund(self, trade_no: str, refund_no: str, amount_fen: int, reason: str) -> RefundOutcome:
        """Send money back through the channel (退款).

        Asking again with the same ``refund_no`` must not refund twice (gateways key refunds
        on it: Alipay's out_request_no, WeChat Pay's out_refund_no): a refund whose answer
        was lost is sent again with its number.
        """
