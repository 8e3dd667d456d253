"""Dependencies for shop-scoped routes (``/shops/{shop_id}/...``).

Every route under a shop takes one of these, so the membership check is in
one place: a caller who does not belong to the shop gets 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from jishi.accounts.deps import CurrentUser
from jishi.core.http import Uow
from jishi.shops import service
from jishi.shops.service import Membership


async def shop_member(shop_id: str, principal: CurrentUser, uow: Uow) -> Membership:
    """Any member; the shop may be in any state (members can read a suspended shop)."""
    return await service.require_member(uow, principal, shop_id)


async def active_shop_member(shop_id: str, principal: CurrentUser, uow: Uow) -> Membership:
    """Any member acting for an active shop (suspended shops cannot act)."""
    return await service.require_member(uow, principal, shop_id, active=True)


async def shop_owner(shop_id: str, principal: CurrentUser, uow: Uow) -> Membership:
    """The owner; the shop may be pending (e.g. to fix its application's description)."""
    return await service.require_member(uow, principal, shop_id, owner=True)


async def active_shop_owner(shop_id: str, principal: CurrentUser, uow: Uow) -> Membership:
    return await service.require_member(uow, principal, shop_id, owner=True, active=True)


ShopMemberAccess = Annotated[Membership, Depends(shop_member)]
ActiveShopMember = Annotated[Membership, Depends(active_shop_member)]
ShopOwnerAccess = Annotated[Membership, Depends(shop_owner)]
ActiveShopOwner = Annotated[Membership, Depends(active_shop_owner)]
