"""The built-in sandbox payment gateway (沙箱支付网关), standing outside the app.

It is mounted at the site root (``/sandbox-gateway``) only when ``JISHI_PAYMENTS_SANDBOX``
is on, and behaves like a real gateway: the merchant (the app) calls its signed JSON
API over HTTP; buyers pay on its hosted cashier page; a confirmed trade is announced
to the merchant's ``notify_url`` by an Ed25519-signed asynchronous notification,
retried on a schedule until the merchant answers exactly ``success``. It keeps its
state in ``sandbox_trades`` and never touches the app's own tables.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, rowcount
from jishi.core.http import Ctx
from jishi.core.ids import new_id
from jishi.core.security import Keyring
from jishi.payments.models import SandboxRefund, SandboxTrade
from jishi.payments.sandbox_gateway_page import cashier_page, missing_page
from jishi.payments.sandbox_protocol import (
    GATEWAY_PATH,
    MAX_CLOCK_SKEW_SECONDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    GatewayPublicKeys,
    merchant_key,
)

log = structlog.get_logger(__name__)

router = APIRouter(prefix=GATEWAY_PATH, include_in_schema=False)

# After the n-th failed notification, wait NOTIFY_RETRY_DELAYS[n-1]; the last attempt is the 8th.
NOTIFY_RETRY_DELAYS = (
    timedelta(seconds=15),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
)
MAX_NOTIFY_ATTEMPTS = len(NOTIFY_RETRY_DELAYS) + 1
NOTIFY_LEASE = timedelta(minutes=2)
NOTIFY_BATCH = 50
_CHINA = timezone(timedelta(hours=8))

_deliveries: set[asyncio.Task[None]] = set()  # strong references until each task is done


class Refused(Exception):
    """A request the gateway turns down, answered as ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http(s) URL")
    return value


WebUrl = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_web_url)]
OutTradeNo = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _CreateTrade(_Request):
    out_trade_no: OutTradeNo
    amount_fen: int = Field(gt=0, le=10**12)
    subject: str = Field(min_length=1, max_length=128)
    notify_url: WebUrl
    return_url: WebUrl
    time_expire: AwareDatetime


class _TradeRef(_Request):
    out_trade_no: OutTradeNo


class _Refund(_Request):
    out_trade_no: OutTradeNo
    refund_no: OutTradeNo
    amount_fen: int = Field(gt=0, le=10**12)
    reason: str = Field(max_length=200)


_Model = TypeVar("_Model", bound=_Request)


def _parse(model: type[_Model], body: bytes) -> _Model:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise Refused(422, "invalid_request", f"invalid fields: {', '.join(fields)}") from exc


def _answer_key(keyring: Keyring) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keyring.derive(b"jishi/sandbox-gateway/answer-key/v1"))


def _notification_key(keyring: Keyring) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keyring.derive(b"jishi/sandbox-gateway/notification-key/v1"))


def published_keys(keyring: Keyring) -> GatewayPublicKeys:
    """What the gateway publishes to merchants: the public half of each signing key."""
    return GatewayPublicKeys(
        answers=_answer_key(keyring).public_key(),
        notifications=_notification_key(keyring).public_key(),
    )


def sign_answer(keyring: Keyring, body: bytes) -> str:
    return base64.b64encode(_answer_key(keyring).sign(body)).decode()


def sign_notification(keyring: Keyring, body: bytes) -> str:
    return base64.b64encode(_notification_key(keyring).sign(body)).decode()


def _request_signature_valid(key: bytes, timestamp: str, path: str, body: bytes, signature: str) -> bool:
    message = b"\n".join((timestamp.encode(), path.encode(), body))
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _signed_json(ctx: AppContext, status: int, data: dict[str, Any]) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    signature = sign_answer(ctx.keyring, body)
    return Response(
        body, status_code=status, media_type="application/json", headers={SIGNATURE_HEADER: signature}
    )


def _check_signature(ctx: AppContext, request: Request, body: bytes) -> None:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    fresh = (
        timestamp.isdigit() and abs(ctx.clock.now().timestamp() - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS
    )
    key = merchant_key(ctx.keyring)
    if not (fresh and _request_signature_valid(key, timestamp, request.url.path, body, signature)):
        raise Refused(401, "invalid_signature", "the request signature is missing, stale or wrong")


def _new_gateway_trade_no(now: datetime) -> str:
    """The gateway's own trade number (交易号): date and 20 random digits."""
    return f"{now.astimezone(_CHINA):%Y%m%d}{secrets.randbelow(10**20):020d}"


def cashier_url(ctx: AppContext, trade_no: str) -> str:
    return f"{ctx.settings.public_base_url.rstrip('/')}{GATEWAY_PATH}/trades/{trade_no}"


def _trade_view(ctx: AppContext, trade: SandboxTrade) -> dict[str, Any]:
    return {
        "trade_no": trade.gateway_trade_no,
        "out_trade_no": trade.out_trade_no,
        "status": trade.status,
        "amount_fen": trade.amount_fen,
        "refunded_fen": trade.refunded_fen,
        "subject": trade.subject,
        "paid_at": trade.paid_at.isoformat() if trade.paid_at else None,
        "cashier_url": cashier_url(ctx, trade.gateway_trade_no),
    }


async def _by_out_trade_no(uow: UnitOfWork, out_trade_no: str) -> SandboxTrade | None:
    return await uow.session.scalar(
        select(SandboxTrade)
        .where(SandboxTrade.out_trade_no == out_trade_no)
        .execution_options(populate_existing=True)
    )


async def _existing_trade(uow: UnitOfWork, out_trade_no: str) -> SandboxTrade:
    trade = await _by_out_trade_no(uow, out_trade_no)
    if trade is None:
        raise Refused(404, "trade_not_found", "no trade has this out_trade_no")
    return trade


# ---- the merchant API ------------------------------------------------------------------------


async def _create(ctx: AppContext, body: bytes) -> dict[str, Any]:
    """Open a trade; the same out_trade_no and amount again returns the open one."""
    request = _parse(_CreateTrade, body)
    now = ctx.clock.now()
    if request.time_expire <= now:
        raise Refused(409, "trade_expired", "time_expire has passed")
    async with ctx.database.uow() as uow:
        trade = await _by_out_trade_no(uow, request.out_trade_no)
        if trade is None:
            trade = await _insert_trade(uow, request, now)
        if trade.status == "paid":
            raise Refused(409, "trade_paid", "this out_trade_no has been paid")
        if trade.status == "closed":
            raise Refused(409, "trade_closed", "this out_trade_no is closed")
        if trade.amount_fen != request.amount_fen:
            raise Refused(409, "out_trade_no_reused", "this out_trade_no was opened with another amount")
        return _trade_view(ctx, trade)


async def _insert_trade(uow: UnitOfWork, request: _CreateTrade, now: datetime) -> SandboxTrade:
    trade = SandboxTrade(
        gateway_trade_no=_new_gateway_trade_no(now),
        out_trade_no=request.out_trade_no,
        amount_fen=request.amount_fen,
        subject=request.subject,
        notify_url=request.notify_url,
        return_url=request.return_url,
        status="waiting",
        refunded_fen=0,
        created_at=now,
        notify_attempts=0,
    )
    uow.session.add(trade)
    try:
        await uow.commit()
    except IntegrityError:  # a concurrent create of the same out_trade_no won
        await uow.rollback()
        return await _existing_trade(uow, request.out_trade_no)
    return trade


async def _query(ctx: AppContext, body: bytes) -> dict[str, Any]:
    request = _parse(_TradeRef, body)
    async with ctx.database.uow() as uow:
        return _trade_view(ctx, await _existing_trade(uow, request.out_trade_no))


async def _close(ctx: AppContext, body: bytes) -> dict[str, Any]:
    """Close a waiting trade; closing a closed one is a no-op, a paid one is refused."""
    request = _parse(_TradeRef, body)
    async with ctx.database.uow() as uow:
        await uow.session.execute(
            update(SandboxTrade)
            .where(SandboxTrade.out_trade_no == request.out_trade_no, SandboxTrade.status == "waiting")
            .values(status="closed")
        )
        await uow.commit()
        trade = await _existing_trade(uow, request.out_trade_no)
    if trade.status == "paid":
        raise Refused(409, "trade_paid", "a paid trade cannot be closed")
    return _trade_view(ctx, trade)


async def _refund(ctx: AppContext, body: bytes) -> dict[str, Any]:
    """Refund part or all of a paid trade (the total never exceeds what was paid).

    A refund number refunds once: asked again (a merchant retrying after a lost answer),
    the gateway answers as it did the first time and moves no more money.
    """
    request = _parse(_Refund, body)
    async with ctx.database.uow() as uow:
        trade = await _existing_trade(uow, request.out_trade_no)
        if await uow.session.get(SandboxRefund, request.refund_no) is None:
            try:
                await _make_refund(uow, trade, request, ctx.clock.now())
            except IntegrityError:  # the same refund number at the same moment: that one stands
                await uow.rollback()
        done = await uow.session.get(SandboxRefund, request.refund_no, populate_existing=True)
        trade = await _existing_trade(uow, request.out_trade_no)
    if done is None or (done.gateway_trade_no, done.amount_fen) != (
        trade.gateway_trade_no,
        request.amount_fen,
    ):
        raise Refused(409, "refund_no_reused", "this refund_no was used for another refund")
    return {
        "refund_no": request.refund_no,
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.gateway_trade_no,
        "refund_fen": request.amount_fen,
        "refunded_fen": trade.refunded_fen,
        "status": "succeeded",
    }


async def _make_refund(uow: UnitOfWork, trade: SandboxTrade, request: _Refund, now: datetime) -> None:
    """Record the refund number first (a simultaneous twin waits on it), then move the money."""
    if trade.status != "paid":
        raise Refused(409, "trade_not_paid", "only a paid trade can be refunded")
    uow.session.add(
        SandboxRefund(
            refund_no=request.refund_no,
            gateway_trade_no=trade.gateway_trade_no,
            amount_fen=request.amount_fen,
            created_at=now,
        )
    )
    await uow.session.flush()
    result = await uow.session.execute(
        update(SandboxTrade)
        .where(
            SandboxTrade.gateway_trade_no == trade.gateway_trade_no,
            SandboxTrade.refunded_fen + request.amount_fen <= SandboxTrade.amount_fen,
        )
        .values(refunded_fen=SandboxTrade.refunded_fen + request.amount_fen)
    )
    if rowcount(result) != 1:
        raise Refused(409, "refund_exceeds_trade", "the refunds would exceed the amount paid")
    await uow.commit()


_METHODS: dict[str, Callable[[AppContext, bytes], Awaitable[dict[str, Any]]]] = {
    "trade.create": _create,
    "trade.query": _query,
    "trade.close": _close,
    "trade.refund": _refund,
}


@router.post("/api/{method}")
async def merchant_api(method: str, request: Request, ctx: Ctx) -> Response:
    """The merchant API: every call is a signed JSON POST, every answer is signed."""
    try:
        handler = _METHODS.get(method)
        if handler is None:
            raise Refused(404, "unknown_method", f"no method {method!r}")
        body = await request.body()
        _check_signature(ctx, request, body)
        data = await handler(ctx, body)
    except Refused as refused:
        return _signed_json(ctx, refused.status, {"code": refused.code, "message": refused.message})
    return _signed_json(ctx, 200, {"code": "ok", **data})


# ---- the buyer's side: hosted cashier page and confirmation ----------------------------------

_PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]+)?$")


def _page(trade: SandboxTrade | None, status: int = 200) -> HTMLResponse:
    if trade is None:
        return HTMLResponse(missing_page(), status_code=404, headers=_PAGE_HEADERS)
    back = urlsplit(trade.return_url)
    origin = f"{back.scheme}://{back.netloc}"
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {origin if _ORIGIN.match(origin) else ''}"
    )
    html = cashier_page(trade, confirm_url=f"{GATEWAY_PATH}/trades/{trade.gateway_trade_no}/confirm")
    return HTMLResponse(
        html, status_code=status, headers={**_PAGE_HEADERS, "Content-Security-Policy": policy.rstrip()}
    )


@router.get("/trades/{trade_no}", response_class=HTMLResponse)
async def cashier(trade_no: str, ctx: Ctx) -> HTMLResponse:
    """The hosted cashier page (收银台) for the gateway's trade number."""
    async with ctx.database.uow() as uow:
        trade = await uow.session.get(SandboxTrade, trade_no)
    return _page(trade)


def _from_browser(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ) or "text/html" in request.headers.get("accept", "")


@router.post("/trades/{trade_no}/confirm", response_model=None)
async def confirm(trade_no: str, request: Request, ctx: Ctx) -> Response:
    """The buyer pays (确认支付). Browsers go back to the merchant; scripts get JSON."""
    trade, newly_paid = await confirm_trade(ctx, trade_no)
    if newly_paid and ctx.settings.run_jobs_in_process:
        _deliver_soon(ctx, trade_no)
    if _from_browser(request):
        if trade is not None and trade.status == "paid":
            return RedirectResponse(trade.return_url, status_code=303)
        return _page(trade, status=409)
    if trade is None:
        return JSONResponse({"code": "trade_not_found", "message": "no such trade"}, status_code=404)
    if trade.status != "paid":
        refusal = {"code": f"trade_{trade.status}", "message": "this trade can no longer be paid"}
        return JSONResponse(refusal, status_code=409)
    return JSONResponse({"trade_no": trade.gateway_trade_no, "status": "paid"})


async def confirm_trade(ctx: AppContext, trade_no: str) -> tuple[SandboxTrade | None, bool]:
    """Mark a waiting trade paid and due for notification; returns it and whether this call paid it."""
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        result = await uow.session.execute(
            update(SandboxTrade)
            .where(SandboxTrade.gateway_trade_no == trade_no, SandboxTrade.status == "waiting")
            .values(status="paid", paid_at=now, next_notify_at=now, notify_attempts=0)
        )
        await uow.commit()
        trade = await uow.session.get(SandboxTrade, trade_no)
    return trade, rowcount(result) == 1


# ---- asynchronous notifications (异步通知) ------------------------------------------------------


def _deliver_soon(ctx: AppContext, trade_no: str) -> None:
    """First delivery right after the confirmation committed, outside the request."""
    task = asyncio.create_task(_deliver_quietly(ctx, trade_no), name=f"sandbox-notify:{trade_no}")
    _deliveries.add(task)
    task.add_done_callback(_deliveries.discard)


async def _deliver_quietly(ctx: AppContext, trade_no: str) -> None:
    try:
        await deliver_notification(ctx, trade_no)
    except Exception:  # the periodic job retries whatever this attempt left due
        log.exception("sandbox.notify_failed", trade_no=trade_no)


async def deliver_due_notifications(ctx: AppContext) -> int:
    """Send every notification that is due; returns how many were attempted."""
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        due = list(
            await uow.session.scalars(
                select(SandboxTrade.gateway_trade_no)
                .where(SandboxTrade.next_notify_at <= now)
                .order_by(SandboxTrade.next_notify_at)
                .limit(NOTIFY_BATCH)
            )
        )
    attempted = 0
    for trade_no in due:
        attempted += await deliver_notification(ctx, trade_no)
    return attempted


async def deliver_notification(ctx: AppContext, trade_no: str) -> bool:
    """One attempt for one trade, if it is due and no one else is sending it."""
    trade = await _claim_notification(ctx, trade_no)
    if trade is None:
        return False
    accepted = await _send_notification(ctx, trade)
    await _record_attempt(ctx, trade_no, accepted)
    return True


async def _claim_notification(ctx: AppContext, trade_no: str) -> SandboxTrade | None:
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        result = await uow.session.execute(
            update(SandboxTrade)
            .where(
                SandboxTrade.gateway_trade_no == trade_no,
                SandboxTrade.status == "paid",
                SandboxTrade.next_notify_at <= now,
            )
            .values(next_notify_at=now + NOTIFY_LEASE)
        )
        if rowcount(result) != 1:
            return None
        trade = await uow.session.get(SandboxTrade, trade_no)
        await uow.commit()
    return trade


async def _send_notification(ctx: AppContext, trade: SandboxTrade) -> bool:
    assert trade.paid_at is not None
    notice = {
        "notify_id": new_id(),
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.gateway_trade_no,
        "amount_fen": trade.amount_fen,
        "status": "paid",
        "paid_at": trade.paid_at.isoformat(),
    }
    body = json.dumps(notice, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_notification(ctx.keyring, body),
    }
    try:
        response = await ctx.outbound.post(trade.notify_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("sandbox.notify_unreachable", trade_no=trade.gateway_trade_no, error=repr(exc))
        return False
    return response.is_success and response.content == b"success"


async def _record_attempt(ctx: AppContext, trade_no: str, accepted: bool) -> None:
    now = ctx.clock.now()
    async with ctx.database.uow() as uow:
        trade = await uow.session.get(SandboxTrade, trade_no)
        assert trade is not None
        trade.notify_attempts += 1
        if accepted:
            trade.notified_at, trade.next_notify_at = now, None
        elif trade.notify_attempts >= MAX_NOTIFY_ATTEMPTS:
            trade.next_notify_at = None
            log.warning("sandbox.notify_gave_up", trade_no=trade_no, attempts=trade.notify_attempts)
        else:
            trade.next_notify_at = now + NOTIFY_RETRY_DELAYS[trade.notify_attempts - 1]
        await uow.commit()
