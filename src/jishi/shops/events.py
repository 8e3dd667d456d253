"""Events the shops package publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from jishi.core.events import Event


class ShopApplied(Event):
    """Someone applied to open a shop (开店申请)."""

    topic: ClassVar[str] = "shop.applied"
    shop_id: str
    owner_id: str


class ShopReviewed(Event):
    """A platform admin moved a shop to a new state (店铺审核); each state has its topic."""

    topic: ClassVar[str] = "shop.reviewed"
    shop_id: str
    by: str
    reason: str | None


class ShopActivated(ShopReviewed):
    """Approved, or reinstated after a suspension: its products are for sale again."""

    topic: ClassVar[str] = "shop.active"


class ShopRejected(ShopReviewed):
    topic: ClassVar[str] = "shop.rejected"


class ShopSuspended(ShopReviewed):
    """Suspended: its products leave the storefront."""

    topic: ClassVar[str] = "shop.suspended"


REVIEWED: dict[str, type[ShopReviewed]] = {
    "active": ShopActivated,
    "rejected": ShopRejected,
    "suspended": ShopSuspended,
}


class ShopMemberRemoved(Event):
    topic: ClassVar[str] = "shop.member_removed"
    shop_id: str
    user_id: str


class ShopStaffInvited(Event):
    topic: ClassVar[str] = "shop.staff_invited"
    shop_id: str
    invitation_id: str


class ShopMemberJoined(Event):
    topic: ClassVar[str] = "shop.member_joined"
    shop_id: str
    user_id: str
