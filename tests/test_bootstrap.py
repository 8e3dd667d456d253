"""Every event a package publishes is wired in ``jishi.bootstrap``, to its consumers or as
external-only, and is listed in the event catalogue of docs/architecture.md."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import jishi
from jishi import bootstrap
from jishi.core.events import EVENTS, Event

CATALOGUE = Path(jishi.__file__).parents[2] / "docs" / "architecture.md"


def _published_event_types() -> list[type[Event]]:
    """Every concrete event class in a package's ``events`` module (bases that only give
    their subclasses fields, such as ``OrderMoved``, are never published themselves)."""
    found: list[type[Event]] = []
    for package in pkgutil.iter_modules(jishi.__path__):
        try:
            module = importlib.import_module(f"jishi.{package.name}.events")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Event)
                and value.__module__ == module.__name__
                and not value.__subclasses__()
            ):
                found.append(value)
    return found


def test_every_published_event_has_consumers_or_is_external() -> None:
    bootstrap.wire()
    published = _published_event_types()
    assert len(published) >= 20
    undeclared = [e.__name__ for e in published if e not in EVENTS.event_types()]
    unconsumed = [e.__name__ for e in published if not (EVENTS.handlers_of(e) or EVENTS.is_external(e))]
    assert (undeclared, unconsumed) == ([], [])


def test_search_consumes_product_and_shop_changes() -> None:
    from jishi.catalog.events import ProductChanged
    from jishi.search import handlers
    from jishi.shops.events import ShopActivated, ShopSuspended

    bootstrap.wire()
    assert EVENTS.handlers_of(ProductChanged) == [handlers.on_product_changed]
    assert EVENTS.handlers_of(ShopActivated) == [handlers.on_shop_status_changed]
    assert EVENTS.handlers_of(ShopSuspended) == [handlers.on_shop_status_changed]


def test_the_event_catalogue_lists_every_topic() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    missing = [e.topic for e in _published_event_types() if f"`{e.topic}`" not in text]
    assert missing == []
