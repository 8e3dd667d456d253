"""Events the inventory package publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from jishi.core.events import Event


class AvailabilityChanged(Event):
    """A product sold out or came back in stock (有货/售罄): its available total crossed zero."""

    topic: ClassVar[str] = "inventory.availability_changed"
    product_id: str
