"""Business rules of shops: the application workflow and who may act for a shop."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, SQLColumnExpression, delete, select, update
from sqlalchemy.exc import IntegrityError

from jishi.accounts import service as accounts
from jishi.accounts.service import Principal
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, any_of, rowcount
from jishi.core.errors import AppError, FieldError, NotFound
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition
from jishi.core.security import Keyring, mask_email
from jishi.shops import events
from jishi.shops.models import Shop, ShopInvitation, ShopMember

# Which review action moves a shop from which state to which (店铺审核状态机).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"pending"}), "active"),
    "reject": (frozenset({"pending"}), "rejected"),
    "suspend": (frozenset({"active"}), "suspended"),
    "reinstate": (frozenset({"suspended"}), "active"),
}
LIVE_STATUSES = frozenset({"pending", "active", "suspended"})
ROLE_NAMES = {"owner": "shop_owner", "staff": "shop_staff"}


@dataclass(frozen=True)
class Membership:
    """The caller's standing in one shop, as checked by ``require_member``."""

    shop: Shop
    role: str
    user_id: str


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _name_taken() -> AppError:
    return AppError(
        "shop_name_taken",
        field_errors=[
            FieldError("name", "shop_name_taken", "店铺名称已被使用。", "This shop name is already taken.")
        ],
    )


async def apply(uow: UnitOfWork, user_id: str, *, name: str, description: str) -> Shop:
    """Apply to open a shop (开店申请); the applicant becomes its owner."""
    existing = await uow.session.scalar(
        select(Shop.id).where(Shop.owner_id == user_id, Shop.status.in_(LIVE_STATUSES)).limit(1)
    )
    if existing is not None:
        raise AppError("shop_application_exists")
    key = name_key(name)
    if await uow.session.scalar(select(Shop.id).where(Shop.name_key == key)):
        raise _name_taken()
    now = uow.now()
    shop = Shop(
        name=name,
        name_key=key,
        description=description,
        status="pending",
        owner_id=user_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(shop)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent application won the name or the owner slot
        if "owner" in str(exc.orig):
            raise AppError("shop_application_exists") from exc
        raise _name_taken() from exc
    uow.session.add(ShopMember(shop_id=shop.id, user_id=user_id, role="owner", joined_at=now))
    uow.publish(events.ShopApplied(shop_id=shop.id, owner_id=user_id))
    await uow.commit()
    return shop


async def get_visible(uow: UnitOfWork, shop_id: str, principal: Principal | None) -> Shop:
    """Active shops are public; others only to their members and platform admins."""
    shop = await uow.session.get(Shop, shop_id)
    if shop is None:
        raise NotFound()
    if shop.status == "active":
        return shop
    if principal is not None and (
        principal.has_role("platform_admin") or await _role_in(uow, shop_id, principal.user_id)
    ):
        return shop
    raise NotFound()


async def _role_in(uow: UnitOfWork, shop_id: str, user_id: str) -> str | None:
    return await uow.session.scalar(
        select(ShopMember.role).where(ShopMember.shop_id == shop_id, ShopMember.user_id == user_id)
    )


async def require_member(
    uow: UnitOfWork,
    principal: Principal,
    shop_id: str,
    *,
    owner: bool = False,
    active: bool = False,
) -> Membership:
    """The gate of every shop-scoped route.

    Someone outside the shop gets 404 (the shop might as well not exist);
    staff asking for an owner's action get 403; acting for a shop that is not
    active (pending, rejected, suspended) is a 409 state conflict.
    """
    row = (
        await uow.session.execute(
            select(Shop, ShopMember.role)
            .join(ShopMember, ShopMember.shop_id == Shop.id)
            .where(Shop.id == shop_id, ShopMember.user_id == principal.user_id)
        )
    ).first()
    if row is None:
        raise NotFound()
    shop, role = row
    if owner and role != "owner":
        raise AppError("forbidden")
    if active and shop.status != "active":
        raise AppError("shop_not_active", status=shop.status)
    return Membership(shop=shop, role=role, user_id=principal.user_id)


async def active_shop_ids(uow: UnitOfWork, shop_ids: set[str]) -> set[str]:
    """Which of these shops are active (their products may be shown to buyers)."""
    if not shop_ids:
        return set()
    rows = await uow.session.scalars(select(Shop.id).where(Shop.id.in_(shop_ids), Shop.status == "active"))
    return set(rows)


def active_shop_name(shop_id: SQLColumnExpression[str]) -> ScalarSelect[str]:
    """The shop's name while it is active, else NULL: a scalar subquery for another package's
    query, so a product page learns whether its shop sells, and its name, in the same
    statement (the shops table stays this package's business)."""
    return select(Shop.name).where(Shop.id == shop_id, Shop.status == "active").scalar_subquery()


@dataclass(frozen=True)
class ShopTerms:
    """What checkout needs to know of a shop: is it selling, and its shipping terms."""

    id: str
    name: str
    is_active: bool
    shipping_fee_fen: int
    free_shipping_over_fen: int | None


def with_shop_terms(query: Select[Any], shop_id: SQLColumnExpression[str]) -> Select[Any]:
    """``query`` with the terms of the shop ``shop_id`` names as its last five columns (an
    outer join), so another package's query reads them in the same statement (the shops
    table stays this package's business); ``shop_terms_of`` reads them back."""
    return query.outerjoin(Shop.__table__, Shop.__table__.c.id == shop_id).add_columns(*_terms_columns())


def _terms_columns() -> tuple[ColumnElement[Any], ...]:
    """The columns ``shop_terms_of`` reads, in its order."""
    shops = Shop.__table__.c
    return (shops.id, shops.name, shops.status, shops.shipping_fee_fen, shops.free_shipping_over_fen)


def shop_terms_of(columns: Sequence[Any]) -> ShopTerms | None:
    """The terms from ``_terms_columns`` (None: no such shop)."""
    shop_id, name, status, fee_fen, free_over_fen = columns
    return None if shop_id is None else ShopTerms(shop_id, name, status == "active", fee_fen, free_over_fen)


async def shop_terms(uow: UnitOfWork, shop_ids: Iterable[str]) -> dict[str, ShopTerms]:
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    rows = await uow.execute(_terms_statement(uow.database.dialect), {"ids": ids})
    return {terms.id: terms for terms in map(shop_terms_of, rows) if terms is not None}


@functools.cache
def _terms_statement(dialect: str) -> Select[Any]:
    """Built once per dialect: every cart and checkout request runs it."""
    return select(*_terms_columns()).where(any_of(dialect, Shop.__table__.c.id, "ids"))


async def member_roles(uow: UnitOfWork, user_id: str) -> set[str]:
    """Shop roles a user holds anywhere, as account role names."""
    roles = await uow.session.scalars(select(ShopMember.role).where(ShopMember.user_id == user_id).distinct())
    return {ROLE_NAMES[r] for r in roles}


async def my_shops(uow: UnitOfWork, user_id: str) -> list[tuple[Shop, str]]:
    rows = await uow.session.execute(
        select(Shop, ShopMember.role)
        .join(ShopMember, ShopMember.shop_id == Shop.id)
        .where(ShopMember.user_id == user_id)
        .order_by(Shop.id.desc())
        .limit(100)
    )
    return [(shop, role) for shop, role in rows]


class ShopPosition(CursorPosition):
    id: CursorId


SHOPS_CURSOR = CursorCodec("shops", ShopPosition)
ADMIN_SHOPS_CURSOR = CursorCodec("admin_shops", ShopPosition)


async def _page(
    uow: UnitOfWork,
    query: Select[Shop],
    codec: CursorCodec[ShopPosition],
    keyring: Keyring,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Shop], str | None]:
    after = codec.decode(keyring, cursor)
    if after is not None:
        query = query.where(Shop.id < after.id)
    shops = list(await uow.session.scalars(query.order_by(Shop.id.desc()).limit(limit + 1)))
    next_cursor = codec.encode(keyring, ShopPosition(id=shops[limit - 1].id)) if len(shops) > limit else None
    return shops[:limit], next_cursor


async def list_active(
    uow: UnitOfWork, keyring: Keyring, *, limit: int, cursor: str | None
) -> tuple[list[Shop], str | None]:
    query = select(Shop).where(Shop.status == "active")
    return await _page(uow, query, SHOPS_CURSOR, keyring, limit=limit, cursor=cursor)


async def admin_list(
    uow: UnitOfWork, keyring: Keyring, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Shop], str | None]:
    query = select(Shop)
    if status is not None:
        query = query.where(Shop.status == status)
    return await _page(uow, query, ADMIN_SHOPS_CURSOR, keyring, limit=limit, cursor=cursor)


async def review(
    uow: UnitOfWork, admin: Principal, shop_id: str, action: str, *, reason: str | None = None
) -> Shop:
    """Approve, reject, suspend or reinstate a shop, guarded by a conditional update."""
    allowed_from, target = TRANSITIONS[action]
    shop = await uow.session.get(Shop, shop_id)
    if shop is None:
        raise NotFound()
    now = uow.now()
    values: dict[str, object] = {
        "status": target,
        "status_reason": reason,
        "updated_at": now,
        "reviewed_by": admin.user_id,
    }
    if action == "approve":
        values["approved_at"] = now
    if target == "rejected":
        values["name_key"] = None
    result = await uow.session.execute(
        update(Shop)
        .where(Shop.id == shop_id, Shop.status.in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise AppError("invalid_state", status=shop.status)
    uow.publish(events.REVIEWED[target](shop_id=shop_id, by=admin.user_id, reason=reason))
    await uow.commit()
    await uow.session.refresh(shop)
    return shop


async def update_profile(
    uow: UnitOfWork,
    membership: Membership,
    *,
    name: str | None = None,
    description: str | None = None,
    **changes: Any,
) -> Shop:
    """Name, description and shipping terms; ``free_shipping_over_fen`` may be set to null."""
    shop = membership.shop
    if shop.status not in ("pending", "active"):
        raise AppError("shop_not_active", status=shop.status)
    if name is not None and name != shop.name:
        key = name_key(name)
        taken = await uow.session.scalar(select(Shop.id).where(Shop.name_key == key, Shop.id != shop.id))
        if taken:
            raise _name_taken()
        shop.name, shop.name_key = name, key
    if description is not None:
        shop.description = description
    if changes.get("shipping_fee_fen") is not None:
        shop.shipping_fee_fen = changes["shipping_fee_fen"]
    if "free_shipping_over_fen" in changes:
        shop.free_shipping_over_fen = changes["free_shipping_over_fen"]
    shop.updated_at = uow.now()
    try:
        await uow.commit()
    except IntegrityError as exc:
        raise _name_taken() from exc
    return shop


# ---- staff (店员) -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    user_id: str
    email: str
    nickname: str
    role: str
    joined_at: datetime


async def list_members(uow: UnitOfWork, ctx: AppContext, viewer: Membership) -> list[MemberView]:
    """The shop's people. Only the owner, who invited them, sees their emails in full."""
    members = list(
        await uow.session.scalars(
            select(ShopMember).where(ShopMember.shop_id == viewer.shop.id).order_by(ShopMember.joined_at)
        )
    )
    users = await accounts.users_by_id(uow, ctx, {m.user_id for m in members})
    return [
        MemberView(
            m.user_id,
            users[m.user_id].email if viewer.role == "owner" else mask_email(users[m.user_id].email),
            users[m.user_id].nickname,
            m.role,
            m.joined_at,
        )
        for m in members
        if m.user_id in users
    ]


async def remove_member(uow: UnitOfWork, membership: Membership, user_id: str) -> None:
    role = await _role_in(uow, membership.shop.id, user_id)
    if role is None:
        raise NotFound()
    if role == "owner":
        raise AppError("cannot_remove_owner")
    await uow.session.execute(
        delete(ShopMember).where(ShopMember.shop_id == membership.shop.id, ShopMember.user_id == user_id)
    )
    uow.publish(events.ShopMemberRemoved(shop_id=membership.shop.id, user_id=user_id))
    await uow.commit()


@dataclass(frozen=True)
class InvitationView:
    id: str
    shop_id: str
    shop_name: str
    email: str
    role: str
    status: str
    created_at: datetime
    expires_at: datetime


def _invitation_view(inv: ShopInvitation, shop_name: str, ctx: AppContext, now: datetime) -> InvitationView:
    status = "expired" if inv.status == "pending" and inv.expires_at <= now else inv.status
    return InvitationView(
        inv.id,
        inv.shop_id,
        shop_name,
        ctx.keyring.decrypt(inv.email_ciphertext),
        inv.role,
        status,
        inv.created_at,
        inv.expires_at,
    )


async def invite(uow: UnitOfWork, ctx: AppContext, membership: Membership, email: str) -> InvitationView:
    email = accounts.normalise_email(email)
    lookup = ctx.keyring.lookup_hash(email)
    shop = membership.shop
    now = uow.now()
    user_id = await accounts.find_user_id_by_email(uow, ctx, email)
    if user_id is not None and await _role_in(uow, shop.id, user_id):
        raise AppError("already_member")
    pending = await uow.session.scalar(
        select(ShopInvitation.id).where(
            ShopInvitation.shop_id == shop.id,
            ShopInvitation.email_lookup == lookup,
            ShopInvitation.status == "pending",
            ShopInvitation.expires_at > now,
        )
    )
    if pending is not None:
        raise AppError("invitation_pending")
    invitation = ShopInvitation(
        shop_id=shop.id,
        email_lookup=lookup,
        email_ciphertext=ctx.keyring.encrypt(email),
        role="staff",
        status="pending",
        invited_by=membership.user_id,
        created_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.invitation_ttl_seconds),
    )
    uow.session.add(invitation)
    await uow.session.flush()
    uow.publish(events.ShopStaffInvited(shop_id=shop.id, invitation_id=invitation.id))
    await uow.commit()
    return _invitation_view(invitation, shop.name, ctx, now)


async def list_invitations(uow: UnitOfWork, ctx: AppContext, shop: Shop) -> list[InvitationView]:
    rows = await uow.session.scalars(
        select(ShopInvitation)
        .where(ShopInvitation.shop_id == shop.id)
        .order_by(ShopInvitation.id.desc())
        .limit(100)
    )
    now = uow.now()
    return [_invitation_view(inv, shop.name, ctx, now) for inv in rows]


async def revoke_invitation(uow: UnitOfWork, membership: Membership, invitation_id: str) -> None:
    result = await uow.session.execute(
        update(ShopInvitation)
        .where(
            ShopInvitation.id == invitation_id,
            ShopInvitation.shop_id == membership.shop.id,
            ShopInvitation.status == "pending",
        )
        .values(status="revoked", responded_at=uow.now())
    )
    if rowcount(result) != 1:
        raise NotFound()
    await uow.commit()


async def invitations_for(uow: UnitOfWork, ctx: AppContext, user_id: str) -> list[InvitationView]:
    """Pending, unexpired invitations addressed to the user's email."""
    user = await accounts.get_user(uow, ctx, user_id)
    now = uow.now()
    rows = await uow.session.execute(
        select(ShopInvitation, Shop.name)
        .join(Shop, Shop.id == ShopInvitation.shop_id)
        .where(
            ShopInvitation.email_lookup == ctx.keyring.lookup_hash(user.email),
            ShopInvitation.status == "pending",
            ShopInvitation.expires_at > now,
        )
        .order_by(ShopInvitation.id.desc())
    )
    return [_invitation_view(inv, name, ctx, now) for inv, name in rows]


async def respond_to_invitation(
    uow: UnitOfWork, ctx: AppContext, user_id: str, invitation_id: str, *, accept: bool
) -> tuple[Shop, str] | None:
    user = await accounts.get_user(uow, ctx, user_id)
    invitation = await uow.session.get(ShopInvitation, invitation_id)
    if invitation is None or invitation.email_lookup != ctx.keyring.lookup_hash(user.email):
        raise NotFound()
    now = uow.now()
    if invitation.status != "pending":
        raise AppError("invalid_state", status=invitation.status)
    if invitation.expires_at <= now:
        raise AppError("invitation_expired")
    shop = await uow.session.get(Shop, invitation.shop_id)
    if shop is None:
        raise NotFound()
    if accept and shop.status != "active":
        raise AppError("shop_not_active", status=shop.status)
    result = await uow.session.execute(
        update(ShopInvitation)
        .where(ShopInvitation.id == invitation_id, ShopInvitation.status == "pending")
        .values(status="accepted" if accept else "declined", responded_at=now)
    )
    if rowcount(result) != 1:
        raise AppError("invalid_state", status="responded")
    if not accept:
        await uow.commit()
        return None
    if await _role_in(uow, shop.id, user_id):
        raise AppError("already_member")
    uow.session.add(ShopMember(shop_id=shop.id, user_id=user_id, role=invitation.role, joined_at=now))
    uow.publish(events.ShopMemberJoined(shop_id=shop.id, user_id=user_id))
    await uow.commit()
    return shop, invitation.role
