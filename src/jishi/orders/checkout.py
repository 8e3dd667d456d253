"""Checkout (结算): price a selection, then place it as one order per shop and one payment.

Placing is one transaction: the idempotency key, the stock reservations (SKUs in
id order), the orders with their lines and first timeline entry, the payment,
the cart lines leaving the cart, and the outbox events. Any failure leaves none
of it behind.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import DBAPIError, IntegrityError

from jishi.accounts import service as accounts
from jishi.accounts.service import AddressView
from jishi.cart import service as cart
from jishi.cart.quote import Quote, QuoteRequest, quote
from jishi.core import idempotency
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError
from jishi.core.ids import new_id
from jishi.inventory import service as inventory
from jishi.orders import schemas
from jishi.orders.events import OrderCreated
from jishi.orders.models import (
    ORDER_EVENT_ROWS,
    ORDER_LINE_ROWS,
    ORDER_ROWS,
    OrderEventRow,
    OrderLineRow,
    OrderRow,
)
from jishi.payments import service as payments
from jishi.pricing import Breakdown, LineBreakdown, ShopBreakdown
from jishi.pricing.contributors import CONTRIBUTORS, PlacedCheckout, PlacedLine

log = structlog.get_logger(__name__)

IDEMPOTENCY_SCOPE = "orders.submit"
SUBMIT_ATTEMPTS = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Selection:
    """What the buyer asked for, resolved: lines to quote and the cart lines they came from."""

    requests: list[QuoteRequest]
    cart_item_ids: list[str]


async def _select(uow: UnitOfWork, buyer_id: str, body: schemas.CheckoutIn) -> Selection:
    if body.cart_item_ids is not None:
        items = await cart.checkout_items(uow, buyer_id, list(dict.fromkeys(body.cart_item_ids)))
        requests = [QuoteRequest(i.id, i.sku_id, i.quantity) for i in items]
        return Selection(requests, [i.id for i in items])
    assert body.items is not None
    quantities: dict[str, int] = {}
    for index, item in enumerate(body.items):  # the same SKU listed twice adds up
        quantities[item.sku_id] = quantities.get(item.sku_id, 0) + item.quantity
        cart.check_quantity(quantities[item.sku_id], f"items[{index}].quantity")
    requests = [QuoteRequest(f"item-{n}", sku, qty) for n, (sku, qty) in enumerate(quantities.items())]
    return Selection(requests, [])


async def _quote(
    uow: UnitOfWork, ctx: AppContext, buyer_id: str, body: schemas.CheckoutIn
) -> tuple[Selection, AddressView, Quote]:
    address = await accounts.get_address(uow, ctx, buyer_id, body.address_id)
    selection = await _select(uow, buyer_id, body)
    quoted = await quote(
        uow, ctx, selection.requests, buyer_id=buyer_id, province=address.province, choices=_choices(body)
    )
    missing = [q.request.sku_id for q in quoted.lines if q.offer is None]
    if missing:
        raise AppError("not_found", extensions={"sku_id": missing[0]})
    return selection, address, quoted


def _choices(body: schemas.CheckoutIn) -> dict[str, Any]:
    """The buyer's options the pricing contributors read (per-shop choices, and the coupons
    or points that the modules adding them add to the body)."""
    return body.model_dump(mode="json", exclude={"address_id", "items", "cart_item_ids"})


def _shop_options(body: schemas.CheckoutIn) -> dict[str, schemas.ShopOptionsIn]:
    return {s.shop_id: s for s in body.shops}


async def preview(
    uow: UnitOfWork, ctx: AppContext, buyer_id: str, body: schemas.CheckoutIn, locale: str
) -> schemas.PreviewOut:
    _, _, quoted = await _quote(uow, ctx, buyer_id, body)
    return _preview_out(quoted, _shop_options(body), locale)


def _adjustments(items: Any) -> list[schemas.AdjustmentOut]:
    return [schemas.AdjustmentOut(source=a.source, label=a.label, amount_fen=a.amount_fen) for a in items]


def _preview_out(quoted: Quote, options: dict[str, schemas.ShopOptionsIn], locale: str) -> schemas.PreviewOut:
    breakdown = quoted.breakdown
    priced = {line.line_id: line for line in breakdown.lines()}
    shops: dict[str, list[schemas.PreviewLineOut]] = {}
    for q in quoted.lines:
        assert q.offer is not None
        line = priced.get(q.request.line_id)
        shops.setdefault(q.offer.shop_id, []).append(
            schemas.PreviewLineOut(
                line_id=q.request.line_id,
                sku_id=q.request.sku_id,
                product_id=q.offer.product_id,
                title=q.offer.title,
                specs=q.offer.specs,
                image_url=q.offer.image_url,
                quantity=q.request.quantity,
                unit_price_fen=q.offer.price_fen,
                subtotal_fen=q.offer.price_fen * q.request.quantity,
                discount_fen=line.discount_fen if line else 0,
                shipping_fen=line.shipping_fen if line else 0,
                payable_fen=line.payable_fen if line else 0,
                discounts=_adjustments(line.discounts if line else ()),
                purchasable=q.sellable,
                problems=[p.message(locale) for p in q.problems if p.blocking],
            )
        )
    shop_outs = []
    for shop_id, lines in shops.items():
        shop = next((s for s in breakdown.shops if s.shop_id == shop_id), None)
        chosen = options.get(shop_id)
        terms = quoted.shops.get(shop_id)
        shop_outs.append(
            schemas.PreviewShopOut(
                shop_id=shop_id,
                shop_name=terms.name if terms else "",
                lines=lines,
                item_subtotal_fen=shop.item_subtotal_fen if shop else 0,
                discounts=_adjustments(shop.discounts if shop else ()),
                discount_fen=shop.discount_fen if shop else 0,
                shipping_fen=shop.shipping_fen if shop else 0,
                payable_fen=shop.payable_fen if shop else 0,
                delivery_method=chosen.delivery_method if chosen else "express",
                note=chosen.note if chosen else "",
            )
        )
    return schemas.PreviewOut(
        shops=shop_outs,
        item_subtotal_fen=breakdown.item_subtotal_fen,
        discounts=_adjustments(breakdown.discounts),
        discount_fen=breakdown.discount_fen,
        shipping_fen=breakdown.shipping_fen,
        total_fen=breakdown.payable_fen,
        can_submit=all(q.sellable for q in quoted.lines),
    )


# ---- placing ---------------------------------------------------------------------------------


async def submit(
    uow: UnitOfWork, ctx: AppContext, buyer_id: str, body: schemas.CheckoutIn, idempotency_key: str | None
) -> dict[str, Any]:
    """Place the orders (提交订单); with an ``Idempotency-Key``, at most once.

    Runs in the request's own unit of work (one connection per request, however
    many requests wait), rolled back and tried again on lock contention.
    """
    fingerprint = idempotency.request_fingerprint(body.model_dump(mode="json"))

    async def replay() -> dict[str, Any] | None:
        if idempotency_key is None:
            return None
        record = await idempotency.find_replay(uow, buyer_id, IDEMPOTENCY_SCOPE, idempotency_key, fingerprint)
        return dict(record.response_body) if record is not None else None

    async def attempt() -> dict[str, Any]:
        stored = await replay()
        if stored is not None:
            return stored
        try:
            return await _place(uow, ctx, buyer_id, body, idempotency_key, fingerprint)
        except IntegrityError as error:
            if idempotency_key is None or not idempotency.is_key_conflict(error):
                raise  # a broken constraint is a bug: rolled back, logged, answered 500
            await uow.rollback()
        # Lost the race for this key to a simultaneous identical request: answer as it did.
        stored = await replay()
        if stored is None:
            raise AppError("order_busy")
        return stored

    return await retry_on_contention(uow, attempt)


async def retry_on_contention(uow: UnitOfWork, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` again when the database gave up on lock contention (a PostgreSQL
    deadlock or serialization failure, a SQLite busy lock): the user never sees it."""
    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        try:
            return await work()
        except DBAPIError as exc:
            await uow.rollback()
            if not _is_contention(exc) or attempt == SUBMIT_ATTEMPTS:
                if _is_contention(exc):
                    raise AppError("order_busy") from exc
                raise
            log.info("orders.retry_on_contention", attempt=attempt, error=type(exc.orig).__name__)
    raise AssertionError("unreachable")


def _is_contention(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in ("40P01", "40001", "55P03"):
        return True
    return "database is locked" in str(exc.orig)


async def _place(
    uow: UnitOfWork,
    ctx: AppContext,
    buyer_id: str,
    body: schemas.CheckoutIn,
    idempotency_key: str | None,
    fingerprint: str,
) -> dict[str, Any]:
    selection, address, quoted = await _quote(uow, ctx, buyer_id, body)
    _refuse_unsellable(quoted)
    if quoted.breakdown.payable_fen <= 0:
        raise AppError("nothing_to_order")
    record = None
    if idempotency_key is not None:  # first write: a simultaneous twin waits here, then fails
        record = idempotency.claim(uow, buyer_id, IDEMPOTENCY_SCOPE, idempotency_key, fingerprint)
        await uow.session.flush()
    breakdown = quoted.breakdown
    order_ids = {shop.shop_id: new_id() for shop in breakdown.shops}
    await inventory.reserve(uow, _stock_requests(breakdown, order_ids), actor_id=buyer_id)
    # The rest is staged: written in one go with the commit.
    placing = _Placing.start(uow, ctx, quoted, address, buyer_id)
    orders = placing.stage_orders(uow, quoted, order_ids, _shop_options(body))
    if CONTRIBUTORS.hold_anything:  # shipping alone locks nothing: no per-line copy on the hot path
        await CONTRIBUTORS.place(uow, ctx, _placed(buyer_id, placing.payment.id, order_ids, breakdown, body))
    await cart.remove_checked_out(uow, selection.cart_item_ids)
    answer = _answer(orders, placing.payment)
    if record is not None:
        idempotency.store(record, 201, answer)
    await uow.commit()
    return answer


def _placed(
    buyer_id: str, payment_id: str, order_ids: dict[str, str], breakdown: Breakdown, body: schemas.CheckoutIn
) -> PlacedCheckout:
    """The checkout as the pricing contributors see it, to lock what their discounts used."""
    lines = tuple(
        PlacedLine(
            order_id=order_ids[shop.shop_id],
            position=n,
            sku_id=line.sku_id,
            quantity=line.quantity,
            payable_fen=line.payable_fen,
            discounts={a.source: a.amount_fen for a in line.discounts},
        )
        for shop in breakdown.shops
        for n, line in enumerate(shop.lines)
    )
    return PlacedCheckout(buyer_id, payment_id, order_ids, breakdown, lines, _choices(body))


def _stock_requests(breakdown: Breakdown, order_ids: dict[str, str]) -> list[inventory.StockRequest]:
    return [
        inventory.StockRequest(order_ids[shop.shop_id], line.sku_id, line.quantity)
        for shop in breakdown.shops
        for line in shop.lines
    ]


def _answer(orders: list[OrderRow], payment: payments.NewPayment) -> dict[str, Any]:
    return schemas.CheckoutOut(
        orders=[
            schemas.PlacedOrderOut(
                id=order["id"],
                order_no=order["order_no"],
                shop_id=order["shop_id"],
                status="pending_payment",
                total_fen=order["total_fen"],
            )
            for order in orders
        ],
        payment=schemas.PlacedPaymentOut(
            id=payment.id, amount_fen=payment.amount_fen, status=payment.status, expires_at=payment.expires_at
        ),
    ).model_dump(mode="json")


def _refuse_unsellable(quoted: Quote) -> None:
    for q in quoted.lines:
        blocking = [p for p in q.problems if p.blocking]
        if not blocking:
            continue
        code = (
            "insufficient_stock" if blocking[0].code in ("out_of_stock", "over_stock") else "item_unavailable"
        )
        raise AppError(code, extensions={"sku_id": q.request.sku_id})


def _subject(quoted: Quote) -> str:
    titles = [q.offer.title for q in quoted.lines if q.offer is not None]
    subject = titles[0] if titles else "集市订单"
    if len(titles) > 1:
        subject = f"{subject} 等 {len(titles)} 件商品"
    return subject[:128]


def _order_no(now_text: str) -> str:
    """Order number shown to people (订单号): date and time, then random digits."""
    return now_text + "".join(secrets.choice("0123456789") for _ in range(8))


@dataclass(frozen=True)
class _Placing:
    """What every order of one checkout shares; stages their rows (written with Core)."""

    payment: payments.NewPayment
    checkout_id: str
    buyer_id: str
    address: AddressView
    contact: str  # recipient, phone and street, encrypted together
    now: datetime

    @classmethod
    def start(
        cls, uow: UnitOfWork, ctx: AppContext, quoted: Quote, address: AddressView, buyer_id: str
    ) -> _Placing:
        """Stage the checkout's one payment, due when its orders' payment deadline passes."""
        now = uow.now()
        payment = payments.create_payment(
            uow,
            buyer_id=buyer_id,
            amount_fen=quoted.breakdown.payable_fen,
            subject=_subject(quoted),
            expires_at=now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds),
        )
        contact = ctx.keyring.encrypt(
            json.dumps({"recipient": address.recipient, "phone": address.phone, "detail": address.detail})
        )
        return cls(payment, new_id(), buyer_id, address, contact, now)

    def stage_orders(
        self,
        uow: UnitOfWork,
        quoted: Quote,
        order_ids: dict[str, str],
        options: dict[str, schemas.ShopOptionsIn],
    ) -> list[OrderRow]:
        """Stage one order per shop with its lines, first timeline entry and event."""
        placed = [
            self.order(order_ids[shop.shop_id], quoted, shop, options.get(shop.shop_id))
            for shop in quoted.breakdown.shops
        ]
        orders = [order for order, _ in placed]
        uow.stage(ORDER_ROWS, orders)
        uow.stage(ORDER_LINE_ROWS, [line for _, lines in placed for line in lines])
        uow.stage(ORDER_EVENT_ROWS, [self.first_event(order["id"]) for order in orders])
        for order in orders:
            uow.publish(OrderCreated(order_id=order["id"], shop_id=order["shop_id"], buyer_id=self.buyer_id))
        return orders

    def order(
        self, order_id: str, quoted: Quote, shop: ShopBreakdown, options: schemas.ShopOptionsIn | None
    ) -> tuple[OrderRow, list[OrderLineRow]]:
        """The order of one shop and its lines."""
        order: OrderRow = {
            "id": order_id,
            "order_no": _order_no(self.now.strftime("%y%m%d%H%M%S")),
            "checkout_id": self.checkout_id,
            "payment_id": self.payment.id,
            "buyer_id": self.buyer_id,
            "shop_id": shop.shop_id,
            "status": "pending_payment",
            "item_subtotal_fen": shop.item_subtotal_fen,
            "discount_fen": shop.discount_fen,
            "shipping_fen": shop.shipping_fen,
            "total_fen": shop.payable_fen,
            "discounts": [_adjustment_dict(a) for a in shop.discounts],
            "item_count": sum(line.quantity for line in shop.lines),
            "ship_province": self.address.province,
            "ship_city": self.address.city,
            "ship_district": self.address.district,
            "ship_contact_ciphertext": self.contact,
            "delivery_method": options.delivery_method if options else "express",
            "buyer_note": options.note if options else "",
            "pay_deadline_at": self.payment.expires_at,
            "created_at": self.now,
            "updated_at": self.now,
        }
        return order, [_line_row(order_id, n, line, quoted) for n, line in enumerate(shop.lines)]

    def first_event(self, order_id: str) -> OrderEventRow:
        return {
            "order_id": order_id,
            "from_status": None,
            "to_status": "pending_payment",
            "actor_kind": "buyer",
            "actor_id": self.buyer_id,
            "reason": "",
            "reason_code": None,
            "created_at": self.now,
        }


def _line_row(order_id: str, position: int, line: LineBreakdown, quoted: Quote) -> OrderLineRow:
    offer = quoted.line(line.line_id).offer
    assert offer is not None
    return {
        "order_id": order_id,
        "position": position,
        "sku_id": line.sku_id,
        "product_id": offer.product_id,
        "title": offer.title,
        "specs": offer.specs,
        "image_url": offer.image_url,
        "unit_price_fen": line.unit_price_fen,
        "quantity": line.quantity,
        "subtotal_fen": line.subtotal_fen,
        "discount_fen": line.discount_fen,
        "shipping_fen": line.shipping_fen,
        "payable_fen": line.payable_fen,
        "discounts": [_adjustment_dict(a) for a in line.discounts],
    }


def _adjustment_dict(adjustment: Any) -> dict[str, Any]:
    return {"source": adjustment.source, "label": adjustment.label, "amount_fen": adjustment.amount_fen}
