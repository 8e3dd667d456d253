"""Routes of inventory for merchants: the low-stock list and a SKU's ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jishi.core.http import Uow
from jishi.core.pagination import CursorParam, Limit, Page
from jishi.inventory import schemas, service
from jishi.shops.deps import ShopMemberAccess

router = APIRouter(tags=["inventory"])


@router.get("/shops/{shop_id}/inventory/low-stock", response_model=Page[schemas.LowStockOut])
async def low_stock(
    access: ShopMemberAccess,
    uow: Uow,
    threshold: Annotated[int, Query(ge=0, le=100_000, description="Units available at most")] = 10,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Page[schemas.LowStockOut]:
    """SKUs running out (库存预警), fewest available first."""
    lines, next_cursor = await service.low_stock(
        uow, access.shop.id, threshold=threshold, limit=limit, cursor=cursor
    )
    return Page(items=[schemas.LowStockOut.model_validate(line) for line in lines], next_cursor=next_cursor)


@router.get("/shops/{shop_id}/skus/{sku_id}/stock-movements", response_model=Page[schemas.MovementOut])
async def stock_movements(
    sku_id: str, access: ShopMemberAccess, uow: Uow, limit: Limit = 50, cursor: CursorParam = None
) -> Page[schemas.MovementOut]:
    """The stock ledger of one SKU (库存流水), newest first: who moved what, and why."""
    rows, next_cursor = await service.movements(uow, access.shop.id, sku_id, limit=limit, cursor=cursor)
    return Page(items=[schemas.MovementOut.model_validate(r) for r in rows], next_cursor=next_cursor)
