"""API shapes of inventory."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class LowStockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    on_hand: int
    reserved: int
    available: int
    status: str


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    order_id: str | None
    actor_id: str | None
    reason: str
    created_at: datetime
