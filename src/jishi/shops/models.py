"""Tables of the shops package."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH

SHOP_STATUSES = ("pending", "active", "rejected", "suspended")
_LIVE = "status IN ('pending', 'active', 'suspended')"


class Shop(Base):
    """A merchant's shop (店铺). ``name_key`` keeps names unique among live
    shops; a rejected application gives its name back by clearing it."""

    __tablename__ = "shops"
    __table_args__ = (
        Index("ix_shops_status_id", "status", "id"),
        # One live shop (pending, active or suspended) per owner, enforced by the database.
        Index(
            "uq_shops_live_owner",
            "owner_id",
            unique=True,
            sqlite_where=text(_LIVE),
            postgresql_where=text(_LIVE),
        ),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    owner_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"))
    # Flat shipping fee per order (运费), waived when the goods come to free_shipping_over_fen (包邮门槛).
    shipping_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    free_shipping_over_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class ShopMember(Base):
    """A person who acts for a shop: its owner (店主) or staff (店员)."""

    __tablename__ = "shop_members"

    shop_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime]


class ShopInvitation(Base):
    """An owner's invitation for someone to join as staff, addressed by email."""

    __tablename__ = "shop_invitations"
    __table_args__ = (Index("ix_shop_invitations_email_status", "email_lookup", "status"),)

    id: Mapped[str] = id_column()
    shop_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("shops.id", ondelete="CASCADE"), index=True
    )
    email_lookup: Mapped[str] = mapped_column(String(64))
    email_ciphertext: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16), default="staff")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    invited_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
