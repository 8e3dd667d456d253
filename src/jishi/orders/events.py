"""Events the orders package publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from jishi.core.events import Event


class OrderCreated(Event):
    """An order was placed (下单), one per shop of a checkout."""

    topic: ClassVar[str] = "order.created"
    order_id: str
    shop_id: str
    buyer_id: str


class OrderMoved(Event):
    """An order moved from ``from_status`` to a new status; each status has its topic."""

    topic: ClassVar[str] = "order.moved"
    order_id: str
    shop_id: str
    buyer_id: str
    from_status: str


class OrderPaid(OrderMoved):
    topic: ClassVar[str] = "order.paid"


class OrderShipped(OrderMoved):
    topic: ClassVar[str] = "order.shipped"


class OrderDelivered(OrderMoved):
    topic: ClassVar[str] = "order.delivered"


class OrderCompleted(OrderMoved):
    topic: ClassVar[str] = "order.completed"


class OrderCancelled(OrderMoved):
    topic: ClassVar[str] = "order.cancelled"


MOVED_TO: dict[str, type[OrderMoved]] = {
    "paid": OrderPaid,
    "shipped": OrderShipped,
    "delivered": OrderDelivered,
    "completed": OrderCompleted,
    "cancelled": OrderCancelled,
}
