"""Tables of the inventory package.

The counters themselves (``skus.stock`` on hand, ``skus.reserved``) sit on the SKU
row so that reserving is one conditional update of one row; this package is the
only writer of both. Here live the reservations an order holds (预占) and the
ledger of every movement (库存流水).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column, staging
from jishi.core.ids import ID_LENGTH

RESERVATION_STATUSES = ("held", "deducted", "released")
MOVEMENT_KINDS = ("reserve", "release", "deduct", "adjust")


class StockReservation(Base):
    """Units of one SKU held for one order: ``held`` until shipped (``deducted``) or
    the order is cancelled (``released``)."""

    __tablename__ = "stock_reservations"
    __table_args__ = (
        Index("uq_stock_reservations_order_sku", "order_id", "sku_id", unique=True),
        Index("ix_stock_reservations_sku_status", "sku_id", "status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    sku_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="held")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StockMovement(Base):
    """One line of the stock ledger: what changed on hand and reserved, who did it and why."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_sku_created", "sku_id", "created_at"),)

    id: Mapped[str] = id_column()
    # A draft that never sold can be deleted, and its ledger with it.
    sku_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("skus.id", ondelete="CASCADE"))
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class StockReservationRow(TypedDict):
    order_id: str
    sku_id: str
    quantity: int
    status: str
    created_at: datetime
    updated_at: datetime


class StockMovementRow(TypedDict):
    """A line of the stock ledger (库存流水) as staged."""

    sku_id: str
    shop_id: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    order_id: str | None
    actor_id: str | None
    reason: str
    created_at: datetime


RESERVATION_ROWS = staging(StockReservation, StockReservationRow)
MOVEMENT_ROWS = staging(StockMovement, StockMovementRow)
