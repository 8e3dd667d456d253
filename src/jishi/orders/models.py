"""Tables of the orders package.

One checkout (结算) creates one order per shop and one payment for the sum. An
order keeps snapshots of what was bought (title, specs, price) and of where it
goes (the address, encrypted), so later edits to the catalog or the address
book never change a placed order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jishi.core.db import Base, id_column, staging
from jishi.core.ids import ID_LENGTH

ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_buyer_created", "buyer_id", "created_at", "id"),
        Index("ix_orders_shop_status_created", "shop_id", "status", "created_at", "id"),
        Index("ix_orders_status_pay_deadline", "status", "pay_deadline_at"),
        Index("ix_orders_status_auto_complete", "status", "auto_complete_at"),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
    )

    id: Mapped[str] = id_column()
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    checkout_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    payment_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    buyer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id"))
    shop_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("shops.id"))
    status: Mapped[str] = mapped_column(String(24), default="pending_payment")
    item_subtotal_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    # [{"source": "coupon", "label": "...", "amount_fen": 500}, ...]
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    item_count: Mapped[int] = mapped_column(Integer)
    # Delivery address snapshot: region in clear (for reports and freight), the rest encrypted.
    ship_province: Mapped[str] = mapped_column(String(50))
    ship_city: Mapped[str] = mapped_column(String(50))
    ship_district: Mapped[str] = mapped_column(String(50))
    ship_contact_ciphertext: Mapped[str] = mapped_column(Text)
    delivery_method: Mapped[str] = mapped_column(String(16), default="express")
    buyer_note: Mapped[str] = mapped_column(String(200), default="")
    carrier_code: Mapped[str | None] = mapped_column(String(16))
    tracking_no: Mapped[str | None] = mapped_column(String(40))
    # The buyer's words, or a system reason's code (``orders.reasons``), shown in the reader's language.
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    cancel_reason_code: Mapped[str | None] = mapped_column(String(32))
    pay_deadline_at: Mapped[datetime | None]
    auto_complete_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OrderLine(Base):
    """What was bought: a snapshot of the SKU and its priced breakdown."""

    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_order", "order_id", "position"),)

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    product_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    title: Mapped[str] = mapped_column(String(120))
    specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    image_url: Mapped[str | None] = mapped_column(String(300))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    subtotal_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    payable_fen: Mapped[int] = mapped_column(BigInteger)
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class OrderEvent(Base):
    """One entry of an order's timeline (订单日志): a status change, who made it, and why."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_created", "order_id", "created_at"),)

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))  # buyer | merchant | system | payment
    actor_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    reason: Mapped[str] = mapped_column(String(200), default="")  # a person's words
    reason_code: Mapped[str | None] = mapped_column(String(32))  # or the system's (``orders.reasons``)
    created_at: Mapped[datetime]


class OrderRow(TypedDict):
    """An order as checkout stages it (``ORDER_ROWS``)."""

    id: str
    order_no: str
    checkout_id: str
    payment_id: str
    buyer_id: str
    shop_id: str
    status: str
    item_subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    total_fen: int
    discounts: list[dict[str, Any]]
    item_count: int
    ship_province: str
    ship_city: str
    ship_district: str
    ship_contact_ciphertext: str
    delivery_method: str
    buyer_note: str
    pay_deadline_at: datetime
    created_at: datetime
    updated_at: datetime


class OrderLineRow(TypedDict):
    order_id: str
    position: int
    sku_id: str
    product_id: str
    title: str
    specs: dict[str, str]
    image_url: str | None
    unit_price_fen: int
    quantity: int
    subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    payable_fen: int
    discounts: list[dict[str, Any]]


class OrderEventRow(TypedDict):
    """A timeline entry (订单动态); ``reason`` is a code or a person's words (see ``orders.reasons``)."""

    order_id: str
    from_status: str | None
    to_status: str
    actor_kind: str
    actor_id: str | None
    reason: str
    reason_code: str | None
    created_at: datetime


ORDER_ROWS = staging(Order, OrderRow)
ORDER_LINE_ROWS = staging(OrderLine, OrderLineRow)
ORDER_EVENT_ROWS = staging(OrderEvent, OrderEventRow)
