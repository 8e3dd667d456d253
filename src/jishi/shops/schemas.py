"""API shapes of the shops package."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictInt

from jishi.core.schemas import NonBlank, StrictBody

ShopStatus = Literal["pending", "active", "rejected", "suspended"]
MemberRole = Literal["owner", "staff"]


ShopName = Annotated[NonBlank, Field(max_length=100)]
Description = Annotated[str, Field(max_length=2000)]
Reason = Annotated[NonBlank, Field(max_length=500)]


class ShopApplyIn(StrictBody):
    name: ShopName
    description: Description = ""


class ShopUpdateIn(StrictBody):
    name: ShopName | None = None
    description: Description | None = None
    shipping_fee_fen: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    free_shipping_over_fen: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = None


class ReasonIn(StrictBody):
    reason: Reason


class InviteIn(StrictBody):
    email: Annotated[EmailStr, Field(max_length=254)]


class ShopOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    status: ShopStatus
    status_reason: str | None
    shipping_fee_fen: int
    free_shipping_over_fen: int | None
    created_at: datetime
    approved_at: datetime | None


class MyShopOut(ShopOut):
    role: MemberRole


class OwnerOut(BaseModel):
    id: str
    email: str
    nickname: str


class AdminShopOut(ShopOut):
    owner: OwnerOut


class MemberOut(BaseModel):
    user_id: str
    email: str
    nickname: str
    role: MemberRole
    joined_at: datetime


class InvitationOut(BaseModel):
    id: str
    shop_id: str
    shop_name: str
    email: str
    role: MemberRole
    status: Literal["pending", "accepted", "declined", "revoked", "expired"]
    created_at: datetime
    expires_at: datetime
