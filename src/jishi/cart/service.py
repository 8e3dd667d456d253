"""Business rules of the cart: lines, limits, selection, the guest-to-user merge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from jishi.cart.models import Cart, CartItem
from jishi.cart.quote import Quote, QuoteRequest, quote, quote_offers
from jishi.catalog.offers import sku_offers
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, table_of, upsert
from jishi.core.errors import AppError, NotFound, invalid_field
from jishi.core.ids import new_id
from jishi.core.security import token_digest

MAX_QUANTITY = 999
MAX_LINES = 200


@dataclass(frozen=True)
class CartOwner:
    """Whose cart: a signed-in user's, or a guest's by the token in their cookie."""

    user_id: str | None
    guest_token: str | None

    def where(self) -> object:
        if self.user_id is not None:
            return Cart.user_id == self.user_id
        assert self.guest_token is not None
        return Cart.guest_token_hash == token_digest(self.guest_token)


async def find_cart(uow: UnitOfWork, owner: CartOwner) -> Cart | None:
    if owner.user_id is None and owner.guest_token is None:
        return None
    return await uow.session.scalar(select(Cart).where(owner.where()))  # type: ignore[arg-type]


async def _locked_cart_id(uow: UnitOfWork, owner: CartOwner) -> str:
    """The owner's cart, created if there is none, and locked until commit so one cart's
    changes happen one at a time (two adds of one SKU make one line of two).

    One statement does it all: an insert that, when the cart exists, touches it instead
    (``ON CONFLICT … DO UPDATE``), which locks the row on PostgreSQL and takes the write
    lock on SQLite, where ``FOR UPDATE`` does not exist."""
    now = uow.now()
    owner_column = Cart.__table__.c.user_id if owner.user_id else Cart.__table__.c.guest_token_hash
    statement = (
        upsert(uow.database.dialect, Cart.__table__)
        .values(
            id=new_id(),
            user_id=owner.user_id,
            guest_token_hash=None if owner.user_id else token_digest(owner.guest_token or ""),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(index_elements=[owner_column], set_={"updated_at": now})
        .returning(Cart.__table__.c.id)
    )
    return str((await uow.execute(statement)).scalar_one())


async def items_of(uow: UnitOfWork, cart: Cart | str | None) -> list[CartItem]:
    """A cart's lines, newest first; ``cart`` may be given by its id."""
    if cart is None:
        return []
    cart_id = cart if isinstance(cart, str) else cart.id
    return list(
        await uow.session.scalars(
            select(CartItem)
            .where(CartItem.cart_id == cart_id)
            .order_by(CartItem.created_at.desc(), CartItem.id.desc())
        )
    )


async def quote_items(
    uow: UnitOfWork, ctx: AppContext, items: Iterable[CartItem], *, buyer_id: str | None
) -> Quote:
    """Price the cart as it stands: every line is checked, selected sellable lines are totalled."""
    items = list(items)
    requests = [QuoteRequest(i.id, i.sku_id, i.quantity, i.price_when_added_fen) for i in items]
    selected = {i.id for i in items if i.selected}
    return await quote(uow, ctx, requests, buyer_id=buyer_id, priced=selected)


_CART_ITEMS = table_of(CartItem)
# Lines of a cart other than one SKU's: at the line limit, that SKU can only add to its line
# if it has one, and then the others are fewer than the limit.
_OTHER_LINES = (
    select(func.count())
    .select_from(_CART_ITEMS)
    .where(_CART_ITEMS.c.cart_id == bindparam("cart"), _CART_ITEMS.c.sku_id != bindparam("sku"))
)


@dataclass(frozen=True)
class AddedLine:
    """The cart line an add made or grew, quoted with the offer it was checked against."""

    item: CartItem  # as stored (not attached to the session)
    quote: Quote


async def add_item(
    uow: UnitOfWork, ctx: AppContext, owner: CartOwner, sku_id: str, quantity: int
) -> AddedLine:
    """Put a SKU in the cart (加入购物车); the same SKU again adds to its line.

    The line is written by one upsert that adds to an existing line's quantity only while
    the sum stays within the per-line limit."""
    offer = (await sku_offers(uow, ctx.storage, [sku_id])).get(sku_id)
    if offer is None:
        raise NotFound()
    if not offer.on_sale:
        raise AppError("item_unavailable", extensions={"sku_id": sku_id})
    cart_id = await _locked_cart_id(uow, owner)
    if (await uow.execute(_OTHER_LINES, {"cart": cart_id, "sku": sku_id})).scalar_one() >= MAX_LINES:
        raise AppError("cart_full", max_lines=MAX_LINES)
    row = (await uow.execute(_line_upsert(uow, cart_id, sku_id, quantity, offer.price_fen))).first()
    if row is None:  # the line exists and the sum is over the limit
        check_quantity(MAX_QUANTITY + 1)
    await uow.commit()
    assert row is not None
    item = CartItem(
        id=row.id,
        cart_id=cart_id,
        sku_id=sku_id,
        quantity=row.quantity,
        selected=True,
        price_when_added_fen=row.price_when_added_fen,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    request = QuoteRequest(item.id, sku_id, item.quantity, item.price_when_added_fen)
    quoted = await quote_offers(uow, ctx, [request], {sku_id: offer}, buyer_id=owner.user_id)
    return AddedLine(item, quoted)


def _line_upsert(uow: UnitOfWork, cart_id: str, sku_id: str, quantity: int, price_fen: int) -> Any:
    now = uow.now()
    line = upsert(uow.database.dialect, _CART_ITEMS).values(
        id=new_id(),
        cart_id=cart_id,
        sku_id=sku_id,
        quantity=quantity,
        selected=True,
        price_when_added_fen=price_fen,
        created_at=now,
        updated_at=now,
    )
    summed = _CART_ITEMS.c.quantity + line.excluded.quantity
    return line.on_conflict_do_update(
        index_elements=[_CART_ITEMS.c.cart_id, _CART_ITEMS.c.sku_id],
        set_={"quantity": summed, "selected": True, "updated_at": now},
        where=summed <= MAX_QUANTITY,
    ).returning(*_CART_ITEMS.c)


def check_quantity(quantity: int, field: str = "quantity") -> None:
    """One line's quantity, once added up, stays within the per-line limit."""
    if quantity > MAX_QUANTITY:
        raise invalid_field(
            field,
            "quantity_too_large",
            f"每件商品最多购买 {MAX_QUANTITY} 件。",
            f"At most {MAX_QUANTITY} of one item.",
        )


async def _own_item(uow: UnitOfWork, owner: CartOwner, item_id: str) -> tuple[Cart, CartItem]:
    cart = await find_cart(uow, owner)
    item = await uow.session.get(CartItem, item_id) if cart is not None else None
    if cart is None or item is None or item.cart_id != cart.id:
        raise NotFound()
    return cart, item


async def update_item(
    uow: UnitOfWork, owner: CartOwner, item_id: str, *, quantity: int | None, selected: bool | None
) -> CartItem:
    cart, item = await _own_item(uow, owner, item_id)
    if quantity is not None:
        item.quantity = quantity
    if selected is not None:
        item.selected = selected
    item.updated_at = cart.updated_at = uow.now()
    await uow.commit()
    return item


async def remove_item(uow: UnitOfWork, owner: CartOwner, item_id: str) -> None:
    cart, item = await _own_item(uow, owner, item_id)
    await uow.session.delete(item)
    cart.updated_at = uow.now()
    await uow.commit()


async def select_items(uow: UnitOfWork, owner: CartOwner, item_ids: list[str] | None, selected: bool) -> None:
    """Select or deselect some lines, or all of them when ``item_ids`` is None (全选)."""
    cart = await find_cart(uow, owner)
    if cart is None:
        if item_ids:
            raise NotFound()
        return
    query = update(CartItem).where(CartItem.cart_id == cart.id)
    if item_ids is not None:
        owned = set(
            await uow.session.scalars(
                select(CartItem.id).where(CartItem.cart_id == cart.id, CartItem.id.in_(item_ids))
            )
        )
        if owned != set(item_ids):
            raise NotFound()
        query = query.where(CartItem.id.in_(item_ids))
    await uow.session.execute(query.values(selected=selected, updated_at=uow.now()))
    cart.updated_at = uow.now()
    await uow.commit()


async def merge_guest_cart(uow: UnitOfWork, user_id: str, guest_token: str) -> int:
    """Move a guest's lines into the user's cart after login (登录合并购物车).

    The same SKU in both adds up (capped at the per-line limit); lines beyond the
    cart's limit are dropped, oldest guest lines last. Returns lines merged.
    """
    guest = await find_cart(uow, CartOwner(None, guest_token))
    if guest is None:
        return 0
    mine = await _locked_cart_id(uow, CartOwner(user_id, None))
    existing = {i.sku_id: i for i in await items_of(uow, mine)}
    merged = 0
    for item in reversed(await items_of(uow, guest)):  # oldest first, as they were added
        target = existing.get(item.sku_id)
        if target is not None:
            target.quantity = min(MAX_QUANTITY, target.quantity + item.quantity)
            target.updated_at = uow.now()
        elif len(existing) < MAX_LINES:
            existing[item.sku_id] = CartItem(
                cart_id=mine,
                sku_id=item.sku_id,
                quantity=item.quantity,
                selected=item.selected,
                price_when_added_fen=item.price_when_added_fen,
                created_at=item.created_at,
                updated_at=uow.now(),
            )
            uow.session.add(existing[item.sku_id])
        else:
            continue
        merged += 1
    await uow.session.execute(delete(CartItem).where(CartItem.cart_id == guest.id))
    await uow.session.delete(guest)
    await uow.commit()
    return merged


async def checkout_items(uow: UnitOfWork, user_id: str, item_ids: list[str]) -> list[CartItem]:
    """The buyer's own cart lines to check out, in the order given; any other id is a 404."""
    cart = await find_cart(uow, CartOwner(user_id, None))
    if cart is None:
        raise NotFound()
    items = {
        i.id: i
        for i in await uow.session.scalars(
            select(CartItem).where(CartItem.cart_id == cart.id, CartItem.id.in_(item_ids))
        )
    }
    if set(items) != set(item_ids):
        raise NotFound()
    return [items[i] for i in item_ids]


async def remove_checked_out(uow: UnitOfWork, item_ids: Iterable[str]) -> None:
    """Inside the order's transaction: the lines just ordered leave the cart."""
    ids = list(item_ids)
    if ids:
        await uow.session.execute(delete(CartItem).where(CartItem.id.in_(ids)))
