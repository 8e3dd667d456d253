"""Tables of the cart package.

A cart belongs to a user or, before login, to a guest identified by a random
token kept in a cookie (only its SHA-256 digest is stored). Each line remembers
the price the buyer saw when adding it, so the cart can say "repriced since added".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column
from jishi.core.ids import ID_LENGTH


class Cart(Base):
    __tablename__ = "carts"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (guest_token_hash IS NULL)", name="one_owner"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    guest_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class CartItem(Base):
    """A line of a cart: one SKU, a quantity, whether it is selected for checkout."""

    __tablename__ = "cart_items"
    __table_args__ = (
        Index("uq_cart_items_cart_sku", "cart_id", "sku_id", unique=True),
        CheckConstraint("quantity >= 1 AND quantity <= 999", name="quantity_range"),
    )

    id: Mapped[str] = id_column()
    cart_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("carts.id", ondelete="CASCADE"))
    sku_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("skus.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean, default=True)
    price_when_added_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
