"""API shapes of the privacy package."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class VirtualNumberOut(BaseModel):
    """A number that rings the buyer until ``expires_at`` (隐私号); the real one is never shown."""

    order_id: str
    virtual_number: str
    expires_at: datetime


class PersonalDataAccessOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    actor_id: str
    shop_id: str | None
    subject_kind: str
    subject_id: str
    data_subject_id: str | None
    kind: str
    ip: str
    created_at: datetime
