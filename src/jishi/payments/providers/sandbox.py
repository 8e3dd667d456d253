"""The merchant side of the built-in sandbox gateway (沙箱支付): speaks its HTTP protocol.

Every call goes over HTTP through the app's outbound client, signed with the merchant
key; every answer must carry the gateway's Ed25519 answer signature and every
notification its notification signature (never the other).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from jishi.core.clock import Clock
from jishi.payments.errors import GatewayUnavailable, InvalidNotification, TradeAlreadyPaid, TradeClosed
from jishi.payments.providers.base import (
    GatewayNotice,
    GatewayReply,
    PayAction,
    PaymentProvider,
    RefundOutcome,
    TradeRequest,
    TradeState,
)
from jishi.payments.sandbox_protocol import (
    API_PATH,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    GatewayPublicKeys,
)


class _Trade(BaseModel):
    trade_no: str
    out_trade_no: str
    status: Literal["waiting", "paid", "closed"]
    amount_fen: int
    paid_at: AwareDatetime | None = None
    cashier_url: str


class _Notification(BaseModel):
    notify_id: str = Field(min_length=1, max_length=64)
    out_trade_no: str = Field(min_length=1, max_length=32)
    trade_no: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(gt=0)
    status: Literal["paid"]
    paid_at: AwareDatetime


@dataclass(frozen=True)
class _Answer:
    status_code: int
    data: dict[str, Any]

    @property
    def code(self) -> str | None:
        code = self.data.get("code")
        return code if isinstance(code, str) else None

    def trade(self, trade_no: str) -> _Trade:
        try:
            trade = _Trade.model_validate(self.data)
        except ValidationError as exc:
            raise GatewayUnavailable(f"unreadable trade: {exc.error_count()} errors") from exc
        if trade.out_trade_no != trade_no:
            raise GatewayUnavailable("the answer is about another trade")
        return trade


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class SandboxProvider(PaymentProvider):
    channel = "sandbox"

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        gateway_url: str,
        merchant_key: bytes,
        gateway_keys: GatewayPublicKeys,
        clock: Clock,
    ) -> None:
        self._http = http
        self._gateway_url = gateway_url.rstrip("/")
        self._merchant_key = merchant_key
        self._gateway_keys = gateway_keys
        self._clock = clock

    async def create_trade(self, request: TradeRequest) -> PayAction:
        answer = await self._call(
            "trade.create",
            {
                "out_trade_no": request.trade_no,
                "amount_fen": request.amount_fen,
                "subject": request.subject,
                "notify_url": request.notify_url,
                "return_url": request.return_url,
                "time_expire": request.expires_at.isoformat(),
            },
        )
        if answer.status_code == 409 and answer.code == "trade_paid":
            raise TradeAlreadyPaid(request.trade_no)
        if answer.status_code == 409 and answer.code in ("trade_closed", "trade_expired"):
            raise TradeClosed(request.trade_no)
        self._expect_ok(answer, "trade.create")
        return PayAction(type="redirect", url=answer.trade(request.trade_no).cashier_url)

    async def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayNotice:
        if not _body_signature_valid(
            self._gateway_keys.notifications, body, _header(headers, SIGNATURE_HEADER)
        ):
            raise InvalidNotification("bad_signature")
        try:
            notification = _Notification.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidNotification("malformed") from exc
        return GatewayNotice(
            trade_no=notification.out_trade_no,
            gateway_trade_no=notification.trade_no,
            amount_fen=notification.amount_fen,
            status=notification.status,
            paid_at=notification.paid_at,
            notify_id=notification.notify_id,
        )

    def notification_reply(self, accepted: bool) -> GatewayReply:
        if accepted:
            return GatewayReply(200, b"success", "text/plain")
        return GatewayReply(400, b"fail", "text/plain")

    async def query(self, trade_no: str) -> TradeState:
        answer = await self._call("trade.query", {"out_trade_no": trade_no})
        if answer.status_code == 404 and answer.code == "trade_not_found":
            return TradeState(status="not_found")
        self._expect_ok(answer, "trade.query")
        trade = answer.trade(trade_no)
        return TradeState(
            status=trade.status,
            amount_fen=trade.amount_fen,
            gateway_trade_no=trade.trade_no,
            paid_at=trade.paid_at,
        )

    async def close(self, trade_no: str) -> None:
        answer = await self._call("trade.close", {"out_trade_no": trade_no})
        if answer.status_code == 409 and answer.code == "trade_paid":
            raise TradeAlreadyPaid(trade_no)
        if answer.status_code == 404 and answer.code == "trade_not_found":
            return
        self._expect_ok(answer, "trade.close")

    async def refund(self, trade_no: str, refund_no: str, amount_fen: int, reason: str) -> RefundOutcome:
        answer = await self._call(
            "trade.refund",
            {"out_trade_no": trade_no, "refund_no": refund_no, "amount_fen": amount_fen, "reason": reason},
        )
        if answer.status_code in (404, 409) and answer.code is not None:
            return RefundOutcome(refund_no=refund_no, status="failed", reason=answer.code)
        self._expect_ok(answer, "trade.refund")
        return RefundOutcome(refund_no=refund_no, status="succeeded")

    async def _call(self, method: str, payload: dict[str, Any]) -> _Answer:
        path = f"{API_PATH}/{method}"
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: request_signature(self._merchant_key, timestamp, path, body),
        }
        try:
            response = await self._http.post(self._gateway_url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"{method}: {exc!r}") from exc
        if not _body_signature_valid(
            self._gateway_keys.answers, response.content, response.headers.get(SIGNATURE_HEADER)
        ):
            raise GatewayUnavailable(f"{method}: answer {response.status_code} is not signed by the gateway")
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise GatewayUnavailable(f"{method}: answer is not JSON") from exc
        if not isinstance(data, dict):
            raise GatewayUnavailable(f"{method}: answer is not an object")
        return _Answer(response.status_code, data)

    @staticmethod
    def _expect_ok(answer: _Answer, method: str) -> None:
        if answer.status_code != 200:
            raise GatewayUnavailable(f"{method}: answered {answer.status_code} {answer.code}")


def request_signature(key: bytes, timestamp: str, path: str, body: bytes) -> str:
    """The merchant's HMAC-SHA256 over ``timestamp \\n path \\n body``."""
    message = b"\n".join((timestamp.encode(), path.encode(), body))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _body_signature_valid(public_key: Ed25519PublicKey, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), body)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
