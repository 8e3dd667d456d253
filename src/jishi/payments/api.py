"""Routes of payments: the buyer's payment, paying through a channel, gateway notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from jishi.accounts.deps import CurrentUser
from jishi.core.http import Ctx, Uow
from jishi.core.idempotency import MAX_KEY_LENGTH, request_fingerprint
from jishi.payments import schemas, service
from jishi.payments.models import Payment

router = APIRouter(tags=["payments"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Retrying with the same key and body returns the first answer",
    ),
]

_NOTIFICATION_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The gateway's own signed format",
        "content": {"application/json": {}, "application/x-www-form-urlencoded": {}, "text/xml": {}},
    }
}
_TEXT: dict[str, Any] = {"text/plain": {"schema": {"type": "string"}}}


def _payment_out(payment: Payment) -> schemas.PaymentOut:
    return schemas.PaymentOut.model_validate(payment)


# Registered before /payments/{payment_id}/... so "notify" is never read as a payment id.
@router.post(
    "/payments/notify/{channel}",
    response_class=Response,
    openapi_extra=_NOTIFICATION_DOC,
    responses={
        200: {"description": "What the gateway expects (sandbox: text `success`)", "content": _TEXT},
        400: {
            "description": "A notification the gateway's rules refuse (sandbox: text `fail`)",
            "content": _TEXT,
        },
    },
)
async def gateway_notification(channel: schemas.Channel, request: Request, ctx: Ctx) -> Response:
    """A gateway's asynchronous notification (异步通知). Answered with what that gateway
    expects: for the sandbox, the text ``success``, or ``fail`` with status 400."""
    reply = await service.handle_notification(ctx, channel, await request.body(), request.headers)
    return Response(reply.body, status_code=reply.status_code, media_type=reply.media_type)


@router.get("/payments/{payment_id}", response_model=schemas.PaymentOut)
async def get_payment(payment_id: str, principal: CurrentUser, uow: Uow) -> schemas.PaymentOut:
    """The caller's payment (支付单)."""
    return _payment_out(await service.buyer_payment(uow, principal.user_id, payment_id))


@router.post("/payments/{payment_id}/pay", response_model=schemas.PayOut)
async def pay(
    payment_id: str,
    body: schemas.PayIn,
    principal: CurrentUser,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> schemas.PayOut:
    """Pay through a channel (发起支付): answers what the client does next, e.g. a redirect
    to the gateway's cashier page. Paying again reuses the open gateway trade."""
    idempotency = None
    if idempotency_key is not None:
        fingerprint = request_fingerprint(
            {"payment_id": payment_id, **body.model_dump(mode="json", exclude_none=True)}
        )
        idempotency = service.IdempotentRequest(principal.user_id, idempotency_key, fingerprint)
    started = await service.start_payment(
        ctx,
        buyer_id=principal.user_id,
        payment_id=payment_id,
        channel=body.channel,
        return_url=body.return_url,
        idempotency=idempotency,
    )
    return schemas.PayOut.model_validate(started.to_json())


@router.post("/payments/{payment_id}/sync", response_model=schemas.PaymentOut)
async def sync_payment(payment_id: str, principal: CurrentUser, ctx: Ctx) -> schemas.PaymentOut:
    """Ask the gateway now (主动查询), for when a notification is late; answers the payment."""
    return _payment_out(await service.sync_payment(ctx, principal.user_id, payment_id))
