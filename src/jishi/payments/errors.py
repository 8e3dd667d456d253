"""Error codes of the payments package, and what providers raise.

``AppError`` codes are the public answers; the ``ProviderError`` family is what a
channel's provider reports to the service, which decides what it means for the payment.
"""

from __future__ import annotations

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "channel_unavailable": ErrorKind(
        409,
        "该支付方式暂未开通，请选择其他支付方式。",
        "This payment channel is not available; please choose another.",
    ),
    "payment_already_paid": ErrorKind(409, "该笔支付已完成。", "This payment has already been made."),
    "payment_closed": ErrorKind(409, "该笔支付已关闭。", "This payment is closed."),
    "payment_expired": ErrorKind(
        409, "支付时间已过，请重新下单。", "The time to pay has run out; please order again."
    ),
    "payment_in_progress": ErrorKind(
        409, "该笔支付正在处理中，请稍后再试。", "This payment is being processed; try again shortly."
    ),
    "payment_gateway_unavailable": ErrorKind(
        503,
        "支付渠道暂时无法处理请求，请稍后再试。",
        "The payment channel could not handle the request; try again later.",
    ),
    "refund_exceeds_payment": ErrorKind(
        409,
        "退款金额超过可退金额（最多可退 {refundable}）。",
        "The refund is more than can be refunded (at most {refundable}).",
    ),
}


class ProviderError(Exception):
    """Something a payment channel's provider reports to the payments service."""


class GatewayUnavailable(ProviderError):
    """The gateway could not be reached, or answered in a way we cannot trust or read."""


class InvalidNotification(ProviderError):
    """A notification whose signature or format is wrong (验签失败或格式错误)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TradeAlreadyPaid(ProviderError):
    """The gateway says the trade was paid, so it can no longer be closed or reopened."""


class TradeClosed(ProviderError):
    """The gateway has closed this trade number; a new one is needed to pay."""
