"""Routes of inventory for merchants: a SKU's stock ledger."""

from __future__ import annotations

from fastapi import APIRouter

from jishi.core.http import Ctx, Locale, Uow
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.inventory import schemas, service
from jishi.shops.deps import ShopMemberAccess

router = APIRouter(tags=["inventory"])


@router.get("/shops/{shop_id}/skus/{sku_id}/stock-movements", response_model=Page[schemas.MovementOut])
async def stock_movements(
    sku_id: str,
    access: ShopMemberAccess,
    uow: Uow,
    ctx: Ctx,
    locale: Locale,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Page[schemas.MovementOut]:
    """The stock ledger of one SKU (库存流水), newest first: who moved what, and why."""
    rows, next_cursor = await service.movements(
        uow, ctx.keyring, access.shop.id, sku_id, limit=limit, cursor=cursor
    )
    items = [
        schemas.MovementOut.model_validate(r).model_copy(
            update={"reason": service.reason_shown(r.reason, locale)}
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=next_cursor)
