"""Routes of checkout and orders, for buyers and for shops."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse

from jishi.accounts.deps import CurrentUser
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.http import Ctx, Locale, Uow
from jishi.core.idempotency import MAX_KEY_LENGTH
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.orders import checkout, reasons, schemas, service
from jishi.orders.carriers import CARRIERS
from jishi.orders.models import Order
from jishi.shops import service as shops
from jishi.shops.deps import ActiveShopMember, ShopMemberAccess

router = APIRouter(tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH, description="Retry-safe submit"),
]
StatusFilter = Annotated[schemas.OrderStatus | None, Query(description="Only orders in this status")]


@router.post("/checkout/preview", response_model=schemas.PreviewOut)
async def preview(
    body: schemas.CheckoutIn, principal: CurrentUser, uow: Uow, ctx: Ctx, locale: Locale
) -> schemas.PreviewOut:
    """Price what would be ordered, by shop, with shipping and any line problems; nothing is reserved."""
    return await checkout.preview(uow, ctx, principal.user_id, body, locale)


@router.post("/orders", status_code=status.HTTP_201_CREATED, response_model=schemas.CheckoutOut)
async def submit(
    body: schemas.CheckoutIn,
    principal: CurrentUser,
    uow: Uow,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Place one order per shop and one payment for them all. Stock is reserved until
    paid and shipped, or released if the order is cancelled or not paid in time."""
    answer = await checkout.submit(uow, ctx, principal.user_id, body, idempotency_key)
    return JSONResponse(answer, status_code=status.HTTP_201_CREATED)


@router.get("/orders", response_model=Page[schemas.OrderSummaryOut])
async def my_orders(
    principal: CurrentUser,
    uow: Uow,
    ctx: Ctx,
    status: StatusFilter = None,
    limit: Limit = 20,
    cursor: CursorParam = None,
) -> Page[schemas.OrderSummaryOut]:
    orders, next_cursor = await service.list_orders(
        uow, ctx.keyring, buyer_id=principal.user_id, status=status, limit=limit, cursor=cursor
    )
    return Page(items=await _summaries(uow, orders), next_cursor=next_cursor)


@router.get("/orders/counts", response_model=schemas.StatusCountsOut)
async def my_order_counts(principal: CurrentUser, uow: Uow) -> schemas.StatusCountsOut:
    """How many of the caller's orders are in each status (for the tabs)."""
    return schemas.StatusCountsOut(counts=await service.status_counts(uow, buyer_id=principal.user_id))


@router.get("/orders/{order_id}", response_model=schemas.OrderOut)
async def my_order(
    order_id: str, principal: CurrentUser, uow: Uow, ctx: Ctx, locale: Locale
) -> schemas.OrderOut:
    order = await service.buyer_order(uow, principal.user_id, order_id)
    contact = service.shipping_contact(ctx, order)
    address = schemas.ShippingAddressOut(
        recipient=contact.recipient,
        phone=contact.phone,
        province=order.ship_province,
        city=order.ship_city,
        district=order.ship_district,
        detail=contact.detail,
    )
    return schemas.OrderOut(**await _detail_fields(uow, order, locale), address=address)


@router.post("/orders/{order_id}/cancel", response_model=schemas.OrderStatusOut)
async def cancel(
    order_id: str, principal: CurrentUser, uow: Uow, ctx: Ctx, body: schemas.CancelIn | None = None
) -> schemas.OrderStatusOut:
    """Cancel before paying; the stock goes back at once."""
    order = await service.cancel(uow, ctx, principal.user_id, order_id, body.reason if body else "")
    return schemas.OrderStatusOut(id=order.id, status="cancelled")


@router.post("/orders/{order_id}/confirm-receipt", response_model=schemas.OrderStatusOut)
async def confirm_receipt(order_id: str, principal: CurrentUser, uow: Uow) -> schemas.OrderStatusOut:
    order = await service.confirm_receipt(uow, principal.user_id, order_id)
    return schemas.OrderStatusOut(id=order.id, status="completed")


@router.get("/carriers", response_model=list[schemas.CarrierOut])
async def carriers() -> list[schemas.CarrierOut]:
    """Carriers a shop can ship with."""
    return [schemas.CarrierOut(code=c.code, name=c.name, name_en=c.name_en) for c in CARRIERS]


# ---- the shop's side ----------------------------------------------------------------------------


@router.get("/shops/{shop_id}/orders", response_model=Page[schemas.ShopOrderSummaryOut])
async def shop_orders(
    access: ShopMemberAccess,
    uow: Uow,
    ctx: Ctx,
    status: StatusFilter = None,
    limit: Limit = 20,
    cursor: CursorParam = None,
) -> Page[schemas.ShopOrderSummaryOut]:
    orders, next_cursor = await service.list_orders(
        uow, ctx.keyring, shop_id=access.shop.id, status=status, limit=limit, cursor=cursor
    )
    contacts = {order.id: _shop_contact(ctx, order) for order in orders}
    items = [
        schemas.ShopOrderSummaryOut(**dict(summary), address=contacts[summary.id])
        for summary in await _summaries(uow, orders)
    ]
    return Page(items=items, next_cursor=next_cursor)


@router.get("/shops/{shop_id}/orders/counts", response_model=schemas.StatusCountsOut)
async def shop_order_counts(access: ShopMemberAccess, uow: Uow) -> schemas.StatusCountsOut:
    return schemas.StatusCountsOut(counts=await service.status_counts(uow, shop_id=access.shop.id))


@router.get("/shops/{shop_id}/orders/{order_id}", response_model=schemas.ShopOrderOut)
async def shop_order(
    order_id: str, access: ShopMemberAccess, uow: Uow, ctx: Ctx, locale: Locale
) -> schemas.ShopOrderOut:
    order = await service.shop_order(uow, access.shop.id, order_id)
    return schemas.ShopOrderOut(**await _detail_fields(uow, order, locale), address=_shop_contact(ctx, order))


@router.post("/shops/{shop_id}/orders/{order_id}/ship", response_model=schemas.OrderStatusOut)
async def ship(
    order_id: str, body: schemas.ShipIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> schemas.OrderStatusOut:
    """Ship a paid order with a carrier and tracking number (发货)."""
    order = await service.ship(
        uow,
        ctx,
        access.shop.id,
        order_id,
        carrier_code=body.carrier_code,
        tracking_no=body.tracking_no,
        actor_id=access.user_id,
    )
    return schemas.OrderStatusOut(id=order.id, status="shipped")


@router.post("/shops/{shop_id}/orders/{order_id}/mark-delivered", response_model=schemas.OrderStatusOut)
async def mark_delivered(order_id: str, access: ActiveShopMember, uow: Uow) -> schemas.OrderStatusOut:
    """Record that a shipped order reached the buyer (已送达)."""
    order = await service.mark_delivered(uow, access.shop.id, order_id, actor_id=access.user_id)
    return schemas.OrderStatusOut(id=order.id, status="delivered")


# ---- shaping ----------------------------------------------------------------------------------


async def _summaries(uow: UnitOfWork, orders: list[Order]) -> list[schemas.OrderSummaryOut]:
    lines = await service.lines_of(uow, (o.id for o in orders))
    names = {
        shop_id: terms.name
        for shop_id, terms in (await shops.shop_terms(uow, {o.shop_id for o in orders})).items()
    }
    return [
        schemas.OrderSummaryOut(
            **_summary_fields(order, names.get(order.shop_id, "")),
            lines=[schemas.OrderLineOut.model_validate(line) for line in lines[order.id]],
        )
        for order in orders
    ]


def _summary_fields(order: Order, shop_name: str) -> dict[str, object]:
    return {
        "id": order.id,
        "order_no": order.order_no,
        "shop_id": order.shop_id,
        "shop_name": shop_name,
        "status": order.status,
        "total_fen": order.total_fen,
        "item_count": order.item_count,
        "payment_id": order.payment_id,
        "created_at": order.created_at,
        "pay_deadline_at": order.pay_deadline_at,
    }


def _shop_contact(ctx: AppContext, order: Order) -> schemas.ShopContactOut | None:
    contact = service.contact_for_shop(ctx, order)
    return None if contact is None else schemas.ShopContactOut.model_validate(contact, from_attributes=True)


async def _detail_fields(uow: UnitOfWork, order: Order, locale: str) -> dict[str, Any]:
    """An order's fields as buyer and shop both see them; each adds its own view of the address."""
    lines = [
        schemas.OrderLineOut.model_validate(line)
        for line in (await service.lines_of(uow, [order.id]))[order.id]
    ]
    terms = (await shops.shop_terms(uow, [order.shop_id])).get(order.shop_id)
    carrier = next((c for c in CARRIERS if c.code == order.carrier_code), None)
    return dict(
        **_summary_fields(order, terms.name if terms else ""),
        lines=lines,
        items=lines,
        buyer_id=order.buyer_id,
        item_subtotal_fen=order.item_subtotal_fen,
        discount_fen=order.discount_fen,
        shipping_fen=order.shipping_fen,
        discounts=[schemas.AdjustmentOut.model_validate(d) for d in order.discounts],
        delivery_method=order.delivery_method,
        buyer_note=order.buyer_note,
        carrier_code=order.carrier_code,
        carrier_name=carrier.name if carrier else None,
        tracking_no=order.tracking_no,
        cancel_reason=reasons.shown(order.cancel_reason_code, order.cancel_reason, locale) or None,
        auto_complete_at=order.auto_complete_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        timeline=[
            schemas.TimelineEntryOut(
                at=e.created_at,
                from_status=e.from_status,
                to_status=e.to_status,
                actor=e.actor_kind,
                reason=reasons.shown(e.reason_code, e.reason, locale),
            )
            for e in await service.timeline_of(uow, order.id)
        ],
    )
