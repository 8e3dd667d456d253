"""API shapes of inventory."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


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
