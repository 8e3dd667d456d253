"""Tables of the privacy package."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH


class PrivacyNumberBinding(Base):
    """A virtual number (隐私号) that rings a buyer's real one for an order, until it expires."""

    __tablename__ = "privacy_number_bindings"
    __table_args__ = (
        Index("ix_privacy_number_bindings_order_expires", "order_id", "expires_at"),
        Index("ix_privacy_number_bindings_number_expires", "virtual_number", "expires_at"),
    )

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("orders.id", ondelete="CASCADE"))
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("shops.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    virtual_number: Mapped[str] = mapped_column(String(20))
    real_phone_ciphertext: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PersonalDataAccess(Base):
    """One reach for someone's full personal data: who, for which shop, whose, what, when, from where.

    No foreign keys: the log outlives the accounts, shops and orders it names."""

    __tablename__ = "personal_data_access"
    __table_args__ = (
        Index("ix_personal_data_access_created", "created_at", "id"),
        Index("ix_personal_data_access_shop_created", "shop_id", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    actor_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    shop_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    subject_kind: Mapped[str] = mapped_column(String(16))  # order | user
    subject_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    data_subject_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))  # whose data it is
    kind: Mapped[str] = mapped_column(String(32))  # buyer_phone, ...
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
