"""Routes of the cart. Guests have a cart too, found by the ``jishi_cart`` cookie; signing
in merges it into the user's cart (``take_guest_cart``, an accounts sign-in hook), so the
cart's own routes never merge and reading the cart writes nothing."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response, status

from jishi.accounts.deps import MaybeUser
from jishi.cart import schemas, service
from jishi.cart.models import CartItem
from jishi.cart.quote import Quote
from jishi.cart.service import CartOwner
from jishi.core.db import UnitOfWork
from jishi.core.http import Ctx, Locale, Uow

router = APIRouter(tags=["cart"])

GUEST_COOKIE = "jishi_cart"
GUEST_COOKIE_MAX_AGE = 30 * 24 * 3600


async def take_guest_cart(request: Request, response: Response, uow: UnitOfWork, user_id: str) -> None:
    """At sign-in (登录合并购物车): the guest cart of this browser's cookie joins the user's
    cart and the browser forgets it. Wired by ``jishi.bootstrap`` as an accounts sign-in hook."""
    token = request.cookies.get(GUEST_COOKIE)
    if token:
        await service.merge_guest_cart(uow, user_id, token)
        response.delete_cookie(GUEST_COOKIE, path="/")


async def _owner(request: Request, response: Response, principal: MaybeUser, *, create: bool) -> CartOwner:
    """The user's cart when signed in (a guest cookie still sent waits for the next sign-in),
    else the guest's, whose cookie is set on the first add."""
    if principal is not None:
        return CartOwner(principal.user_id, None)
    token = request.cookies.get(GUEST_COOKIE)
    if not token and create:
        token = secrets.token_urlsafe(32)
        response.set_cookie(
            GUEST_COOKIE, token, max_age=GUEST_COOKIE_MAX_AGE, httponly=True, samesite="lax", path="/"
        )
    return CartOwner(None, token)


@router.get("/cart", response_model=schemas.CartOut)
async def get_cart(
    request: Request, response: Response, principal: MaybeUser, uow: Uow, ctx: Ctx, locale: Locale
) -> schemas.CartOut:
    """The cart by shop, each line checked against the catalog now (下架, 售罄, 库存不足, 变价)."""
    owner = await _owner(request, response, principal, create=False)
    return await _cart_out(uow, ctx, owner, locale)


@router.post("/cart/items", status_code=status.HTTP_201_CREATED, response_model=schemas.CartItemOut)
async def add_item(
    body: schemas.CartItemIn,
    request: Request,
    response: Response,
    principal: MaybeUser,
    uow: Uow,
    ctx: Ctx,
    locale: Locale,
) -> schemas.CartItemOut:
    """Add a SKU (the same SKU again adds to its line)."""
    owner = await _owner(request, response, principal, create=True)
    added = await service.add_item(uow, ctx, owner, body.sku_id, body.quantity)
    return _line_out(added.item, added.quote, locale)


@router.patch("/cart/items/{item_id}", response_model=schemas.CartItemOut)
async def update_item(
    item_id: str,
    body: schemas.CartItemPatch,
    request: Request,
    response: Response,
    principal: MaybeUser,
    uow: Uow,
    ctx: Ctx,
    locale: Locale,
) -> schemas.CartItemOut:
    owner = await _owner(request, response, principal, create=False)
    item = await service.update_item(uow, owner, item_id, quantity=body.quantity, selected=body.selected)
    return await _item_out(uow, ctx, item, owner, locale)


@router.delete("/cart/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_item(
    item_id: str, request: Request, response: Response, principal: MaybeUser, uow: Uow
) -> Response:
    owner = await _owner(request, response, principal, create=False)
    await service.remove_item(uow, owner, item_id)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.post("/cart/selection", response_model=schemas.CartOut)
async def select_items(
    body: schemas.SelectionIn,
    request: Request,
    response: Response,
    principal: MaybeUser,
    uow: Uow,
    ctx: Ctx,
    locale: Locale,
) -> schemas.CartOut:
    """Select or deselect lines for checkout (勾选 / 全选)."""
    owner = await _owner(request, response, principal, create=False)
    await service.select_items(uow, owner, body.item_ids, body.selected)
    return await _cart_out(uow, ctx, owner, locale)


async def _cart_out(uow: Uow, ctx: Ctx, owner: CartOwner, locale: str) -> schemas.CartOut:
    items = await service.items_of(uow, await service.find_cart(uow, owner))
    quoted = await service.quote_items(uow, ctx, items, buyer_id=owner.user_id)
    lines = [_line_out(item, quoted, locale) for item in items]
    breakdown = quoted.breakdown
    shops: list[schemas.CartShopOut] = []
    for shop_id in dict.fromkeys(line.shop_id for line in lines if line.shop_id):
        terms = quoted.shops.get(shop_id)
        priced = next((s for s in breakdown.shops if s.shop_id == shop_id), None)
        shops.append(
            schemas.CartShopOut(
                shop_id=shop_id,
                shop_name=terms.name if terms else "",
                items=[line for line in lines if line.shop_id == shop_id],
                item_subtotal_fen=priced.item_subtotal_fen if priced else 0,
                shipping_fen=priced.shipping_fen if priced else 0,
                discount_fen=priced.discount_fen if priced else 0,
                payable_fen=priced.payable_fen if priced else 0,
            )
        )
    return schemas.CartOut(
        items=lines,
        shops=shops,
        item_count=len(items),
        selected_count=len(breakdown.lines()),
        item_subtotal_fen=breakdown.item_subtotal_fen,
        discount_fen=breakdown.discount_fen,
        shipping_fen=breakdown.shipping_fen,
        total_fen=breakdown.payable_fen,
    )


async def _item_out(uow: Uow, ctx: Ctx, item: CartItem, owner: CartOwner, locale: str) -> schemas.CartItemOut:
    quoted = await service.quote_items(uow, ctx, [item], buyer_id=owner.user_id)
    return _line_out(item, quoted, locale)


def _line_out(item: CartItem, quoted: Quote, locale: str) -> schemas.CartItemOut:
    line = quoted.line(item.id)
    offer = line.offer
    unit_price = offer.price_fen if offer else None
    return schemas.CartItemOut(
        id=item.id,
        sku_id=item.sku_id,
        product_id=offer.product_id if offer else None,
        shop_id=offer.shop_id if offer else None,
        title=offer.title if offer else None,
        specs=offer.specs if offer else {},
        image_url=offer.image_url if offer else None,
        quantity=item.quantity,
        selected=item.selected,
        unit_price_fen=unit_price,
        price_when_added_fen=item.price_when_added_fen,
        subtotal_fen=(unit_price or 0) * item.quantity,
        available=max(offer.available, 0) if offer else 0,
        purchasable=line.sellable,
        warnings=[
            schemas.LineWarning(code=p.code, message=p.message(locale), blocking=p.blocking)
            for p in line.problems
        ],
    )
