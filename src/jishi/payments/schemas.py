"""API shapes of the payments package."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jishi.core.schemas import StrictBody

Channel = Literal["alipay", "wechat", "unionpay", "sandbox"]
PaymentStatus = Literal["pending", "paid", "closed", "refunded"]


class PayIn(StrictBody):
    channel: Channel = Field(description="Which payment channel (支付渠道) to pay through")
    return_url: str | None = Field(
        default=None,
        max_length=300,
        description="Where the gateway sends the buyer back: a path or URL on this site "
        "(default: the web app's /payments/{payment_id}/result)",
    )


class PayActionOut(BaseModel):
    """What the client does next: open ``url``, show ``qr_content`` as a QR code, or post
    ``form_fields`` to ``url``."""

    type: Literal["redirect", "qrcode", "form"]
    url: str | None = None
    qr_content: str | None = None
    form_fields: dict[str, str] | None = None


class PayOut(BaseModel):
    channel: Channel
    action: PayActionOut


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: PaymentStatus
    amount_fen: int
    refunded_fen: int
    subject: str
    channel: Channel | None
    paid_at: datetime | None
    expires_at: datetime
    closed_at: datetime | None
    created_at: datetime
