"""Routes of shops: applications, public pages, staff, and the platform's review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from jishi.accounts import service as accounts
from jishi.accounts.deps import CurrentUser, MaybeUser, PlatformAdmin
from jishi.core.http import Ctx, Uow
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.shops import schemas, service
from jishi.shops.deps import ActiveShopOwner, ShopMemberAccess, ShopOwnerAccess
from jishi.shops.models import Shop

router = APIRouter(tags=["shops"])
admin_router = APIRouter(prefix="/admin", tags=["platform: shops"])


def _shop_out(shop: Shop) -> schemas.ShopOut:
    return schemas.ShopOut.model_validate(shop)


def _my_shop_out(shop: Shop, role: str) -> schemas.MyShopOut:
    return schemas.MyShopOut.model_validate({**_shop_out(shop).model_dump(), "role": role})


@router.post("/shops", status_code=status.HTTP_201_CREATED, response_model=schemas.ShopOut)
async def apply_for_shop(body: schemas.ShopApplyIn, principal: CurrentUser, uow: Uow) -> schemas.ShopOut:
    """Apply to open a shop. It starts ``pending`` until a platform admin reviews it."""
    shop = await service.apply(uow, principal.user_id, name=body.name, description=body.description)
    return _shop_out(shop)


@router.get("/shops", response_model=Page[schemas.ShopOut])
async def list_shops(
    uow: Uow, ctx: Ctx, limit: Limit = 20, cursor: CursorParam = None
) -> Page[schemas.ShopOut]:
    """Active shops, newest first."""
    shops, next_cursor = await service.list_active(uow, ctx.keyring, limit=limit, cursor=cursor)
    return Page(items=[_shop_out(s) for s in shops], next_cursor=next_cursor)


@router.get("/shops/{shop_id}", response_model=schemas.ShopOut)
async def get_shop(shop_id: str, principal: MaybeUser, uow: Uow) -> schemas.ShopOut:
    """A shop's public page data; shops that are not active are seen only by their members."""
    return _shop_out(await service.get_visible(uow, shop_id, principal))


@router.patch("/shops/{shop_id}", response_model=schemas.ShopOut)
async def update_shop(body: schemas.ShopUpdateIn, access: ShopOwnerAccess, uow: Uow) -> schemas.ShopOut:
    """The owner edits the shop's name, description and shipping terms (运费, 包邮门槛)."""
    shop = await service.update_profile(uow, access, **body.changes())
    return _shop_out(shop)


@router.get("/me/shops", response_model=Page[schemas.MyShopOut])
async def my_shops(principal: CurrentUser, uow: Uow) -> Page[schemas.MyShopOut]:
    """Shops the caller owns or works for, with the caller's role in each."""
    return Page(items=[_my_shop_out(s, r) for s, r in await service.my_shops(uow, principal.user_id)])


@router.get("/shops/{shop_id}/members", response_model=Page[schemas.MemberOut])
async def list_members(access: ShopMemberAccess, uow: Uow, ctx: Ctx) -> Page[schemas.MemberOut]:
    members = await service.list_members(uow, ctx, access)
    return Page(items=[schemas.MemberOut.model_validate(m, from_attributes=True) for m in members])


@router.delete("/shops/{shop_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(user_id: str, access: ActiveShopOwner, uow: Uow) -> Response:
    await service.remove_member(uow, access, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shops/{shop_id}/invitations", response_model=Page[schemas.InvitationOut])
async def list_invitations(access: ShopOwnerAccess, uow: Uow, ctx: Ctx) -> Page[schemas.InvitationOut]:
    views = await service.list_invitations(uow, ctx, access.shop)
    return Page(items=[schemas.InvitationOut.model_validate(v, from_attributes=True) for v in views])


@router.post(
    "/shops/{shop_id}/invitations", status_code=status.HTTP_201_CREATED, response_model=schemas.InvitationOut
)
async def invite_staff(
    body: schemas.InviteIn, access: ActiveShopOwner, uow: Uow, ctx: Ctx
) -> schemas.InvitationOut:
    """Invite someone by email to work for the shop (邀请店员)."""
    view = await service.invite(uow, ctx, access, str(body.email))
    return schemas.InvitationOut.model_validate(view, from_attributes=True)


@router.delete("/shops/{shop_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(invitation_id: str, access: ActiveShopOwner, uow: Uow) -> Response:
    await service.revoke_invitation(uow, access, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/invitations", response_model=Page[schemas.InvitationOut])
async def my_invitations(principal: CurrentUser, uow: Uow, ctx: Ctx) -> Page[schemas.InvitationOut]:
    views = await service.invitations_for(uow, ctx, principal.user_id)
    return Page(items=[schemas.InvitationOut.model_validate(v, from_attributes=True) for v in views])


@router.post("/me/invitations/{invitation_id}/accept", response_model=schemas.MyShopOut)
async def accept_invitation(
    invitation_id: str, principal: CurrentUser, uow: Uow, ctx: Ctx
) -> schemas.MyShopOut:
    joined = await service.respond_to_invitation(uow, ctx, principal.user_id, invitation_id, accept=True)
    assert joined is not None
    return _my_shop_out(*joined)


@router.post("/me/invitations/{invitation_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_invitation(invitation_id: str, principal: CurrentUser, uow: Uow, ctx: Ctx) -> Response:
    await service.respond_to_invitation(uow, ctx, principal.user_id, invitation_id, accept=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- platform review (平台审核) ------------------------------------------------------------


@admin_router.get("/shops", response_model=Page[schemas.AdminShopOut])
async def admin_list_shops(
    _: PlatformAdmin,
    uow: Uow,
    ctx: Ctx,
    status_filter: Annotated[schemas.ShopStatus | None, Query(alias="status")] = None,
    limit: Limit = 20,
    cursor: CursorParam = None,
) -> Page[schemas.AdminShopOut]:
    shops, next_cursor = await service.admin_list(
        uow, ctx.keyring, status=status_filter, limit=limit, cursor=cursor
    )
    owners = await accounts.users_by_id(uow, ctx, {s.owner_id for s in shops})
    items = [
        schemas.AdminShopOut.model_validate(
            {
                **_shop_out(s).model_dump(),
                "owner": {
                    "id": s.owner_id,
                    "email": owners[s.owner_id].email,
                    "nickname": owners[s.owner_id].nickname,
                },
            }
        )
        for s in shops
        if s.owner_id in owners
    ]
    return Page(items=items, next_cursor=next_cursor)


@admin_router.post("/shops/{shop_id}/approve", response_model=schemas.ShopOut)
async def approve_shop(shop_id: str, admin: PlatformAdmin, uow: Uow) -> schemas.ShopOut:
    return _shop_out(await service.review(uow, admin, shop_id, "approve"))


@admin_router.post("/shops/{shop_id}/reject", response_model=schemas.ShopOut)
async def reject_shop(
    shop_id: str, body: schemas.ReasonIn, admin: PlatformAdmin, uow: Uow
) -> schemas.ShopOut:
    return _shop_out(await service.review(uow, admin, shop_id, "reject", reason=body.reason))


@admin_router.post("/shops/{shop_id}/suspend", response_model=schemas.ShopOut)
async def suspend_shop(
    shop_id: str, body: schemas.ReasonIn, admin: PlatformAdmin, uow: Uow
) -> schemas.ShopOut:
    return _shop_out(await service.review(uow, admin, shop_id, "suspend", reason=body.reason))


@admin_router.post("/shops/{shop_id}/reinstate", response_model=schemas.ShopOut)
async def reinstate_shop(shop_id: str, admin: PlatformAdmin, uow: Uow) -> schemas.ShopOut:
    return _shop_out(await service.review(uow, admin, shop_id, "reinstate"))
