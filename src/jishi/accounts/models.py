"""Tables of the accounts package.

Email, phone and address details are personal data: they are stored
encrypted (``*_ciphertext``) and found through keyed hashes (``*_lookup``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email_lookup: Mapped[str] = mapped_column(String(64), unique=True)
    email_ciphertext: Mapped[str] = mapped_column(Text)
    phone_lookup: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_ciphertext: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    nickname: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class UserRole(Base):
    """Platform-wide roles (platform_admin, customer_service). Shop roles live in shops."""

    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime]


class AuthSession(Base):
    """One login: an access token and a refresh token, both stored as digests.

    Refreshing rotates both; presenting the previous refresh token again means
    it was stolen and replayed, so the whole session is revoked.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    access_digest: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_digest: Mapped[str] = mapped_column(String(64), unique=True)
    previous_refresh_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    client: Mapped[str] = mapped_column(String(16), default="api")


class Address(Base):
    """A delivery address (收货地址)."""

    __tablename__ = "addresses"
    __table_args__ = (Index("ix_addresses_user_created", "user_id", "created_at"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"))
    recipient_ciphertext: Mapped[str] = mapped_column(Text)
    phone_ciphertext: Mapped[str] = mapped_column(Text)
    province: Mapped[str] = mapped_column(String(50))
    city: Mapped[str] = mapped_column(String(50))
    district: Mapped[str] = mapped_column(String(50))
    detail_ciphertext: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class LoginAlert(Base):
    """An account whose failed logins crossed the challenge threshold from several networks
    in one window (``accounts.guard``): someone is trying its password, for an operator to see."""

    __tablename__ = "login_alerts"
    __table_args__ = (Index("ix_login_alerts_created", "created_at", "id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    networks: Mapped[int]
    last_network: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
