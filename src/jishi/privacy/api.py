"""Routes of privacy: a virtual number to reach a buyer, and the personal-data access log."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request

from jishi.accounts.deps import PlatformAdmin
from jishi.core.http import Ctx, Uow, client_ip
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.privacy import schemas, service
from jishi.shops.deps import ActiveShopMember, ShopOwnerAccess

router = APIRouter(tags=["privacy"])
admin_router = APIRouter(prefix="/admin", tags=["platform: privacy"])


@router.post("/shops/{shop_id}/orders/{order_id}/contact", response_model=schemas.VirtualNumberOut)
async def contact_buyer(
    order_id: str, access: ActiveShopMember, uow: Uow, ctx: Ctx, request: Request
) -> schemas.VirtualNumberOut:
    """A virtual number that rings the buyer (联系买家), while the order is to be shipped or
    on its way; the access is logged."""
    who = service.Access(actor_id=access.user_id, ip=client_ip(request), shop_id=access.shop.id)
    bound = await service.virtual_number_for_order(uow, ctx, who, order_id)
    return schemas.VirtualNumberOut(
        order_id=bound.order_id, virtual_number=bound.number, expires_at=bound.expires_at
    )


@router.get("/shops/{shop_id}/audit/personal-data", response_model=Page[schemas.PersonalDataAccessOut])
async def shop_access_log(
    access: ShopOwnerAccess, uow: Uow, ctx: Ctx, limit: Limit = 20, cursor: CursorParam = None
) -> Page[schemas.PersonalDataAccessOut]:
    """Who of the shop reached buyers' personal data, newest first (shop owner)."""
    rows, next_cursor = await service.access_log(
        uow, ctx.keyring, shop_id=access.shop.id, limit=limit, cursor=cursor
    )
    return Page(
        items=[schemas.PersonalDataAccessOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@admin_router.get("/audit/personal-data", response_model=Page[schemas.PersonalDataAccessOut])
async def access_log(
    _: PlatformAdmin, uow: Uow, ctx: Ctx, limit: Limit = 20, cursor: CursorParam = None
) -> Page[schemas.PersonalDataAccessOut]:
    """Every reach for full personal data on the platform, newest first."""
    rows, next_cursor = await service.access_log(uow, ctx.keyring, shop_id=None, limit=limit, cursor=cursor)
    return Page(
        items=[schemas.PersonalDataAccessOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


def _entries(rows: Sequence[object]) -> list[schemas.PersonalDataAccessOut]:
    return [schemas.PersonalDataAccessOut.model_validate(r) for r in rows]
