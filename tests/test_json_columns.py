"""Every JSON column holds what its readers can read.

For each JSON column of the models, a value made by the code that writes it (the request
body's model, the service's own builder) goes through the column's type on the test
database and back, then through the schema that reads it. A write path that leaves out a
default (a PATCH storing a spec template without ``options``) fails here; so does a JSON
column added without a case in ``CASES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import JSON, Column, bindparam, select

import jishi.models  # noqa: F401  (every package's tables)
from jishi.catalog import schemas as catalog
from jishi.core.context import AppContext
from jishi.core.db import Base
from jishi.core.events import Event
from jishi.orders import schemas as orders
from jishi.orders.checkout import _adjustment_dict
from jishi.payments.providers.base import PayAction
from jishi.payments.service import PayStarted
from jishi.pricing.model import Adjustment
from jishi.search import schemas as search
from jishi.shops.events import ShopMemberJoined


@dataclass(frozen=True)
class Case:
    """What a write path stores in the column, and how the column is read back."""

    written: Callable[[], list[Any]]
    read: Callable[[Any], object]


def _as(shape: Any) -> Callable[[Any], object]:
    adapter: TypeAdapter[Any] = TypeAdapter(shape)
    return adapter.validate_python


def _spec_templates() -> list[Any]:
    created = catalog.CategoryIn.model_validate({"name": "箱包", "spec_template": [{"name": "颜色"}]})
    patched = catalog.CategoryUpdateIn.model_validate({"spec_template": [{"name": "颜色"}]})
    return [created.model_dump()["spec_template"], patched.changes()["spec_template"]]


def _product_specs() -> list[Any]:
    sku = {"price_fen": 100}
    body = catalog.ProductIn.model_validate(
        {"title": "t", "category_id": "c", "specs": [{"name": "颜色", "values": ["红"]}], "skus": [sku]}
    )
    specs = [{"name": "颜色", "values": ["红"]}]
    matrix = catalog.SkuMatrixIn.model_validate({"specs": specs, "skus": [sku]})
    return [[s.model_dump() for s in body.specs or []], [s.model_dump() for s in matrix.specs or []], []]


def _sku_specs() -> list[Any]:
    return [catalog.SkuIn.model_validate({"price_fen": 1, "specs": {"颜色": "红"}}).specs, {}]


def _discounts() -> list[Any]:
    return [[_adjustment_dict(Adjustment(source="coupon", label="满100减10", amount_fen=1000))], []]


def _pay_started() -> list[Any]:
    action = PayAction(type="redirect", url="https://pay.example/x", form_fields={"a": "b"})
    started = PayStarted("sandbox", action)
    return [started.to_json(), None]


def _idempotent_answer(stored: Any) -> object:
    return None if stored is None else PayStarted.from_json(stored)


def _outbox_payload(stored: Any) -> object:
    return ShopMemberJoined.model_validate(stored)


def _event_payloads() -> list[Any]:
    return [ShopMemberJoined(shop_id="s", user_id="u").payload()]


def _synonym_terms() -> list[Any]:
    return [search.SynonymIn.model_validate({"terms": ["手机", "移动电话"]}).terms]


CASES: dict[tuple[str, str], Case] = {
    ("categories", "spec_template"): Case(_spec_templates, _as(list[catalog.SpecTemplateOut])),
    ("products", "specs"): Case(_product_specs, _as(list[catalog.ProductSpecOut])),
    ("skus", "specs"): Case(_sku_specs, _as(dict[str, str])),
    ("product_media", "variants"): Case(lambda: [{"thumb": "images/x/thumb.webp"}, {}], _as(dict[str, str])),
    ("orders", "discounts"): Case(_discounts, _as(list[orders.AdjustmentOut])),
    ("order_lines", "discounts"): Case(_discounts, _as(list[orders.AdjustmentOut])),
    ("order_lines", "specs"): Case(_sku_specs, _as(dict[str, str])),
    ("search_documents", "specs"): Case(lambda: [{"颜色": ["红", "蓝"]}, {}], _as(dict[str, list[str]])),
    ("search_synonyms", "terms"): Case(_synonym_terms, _as(list[str])),
    ("outbox_messages", "payload"): Case(_event_payloads, _outbox_payload),
    ("idempotency_records", "response_body"): Case(_pay_started, _idempotent_answer),
}


def _json_columns() -> dict[tuple[str, str], Column[Any]]:
    return {
        (table.name, column.name): column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, JSON)
    }


def test_every_json_column_has_a_case() -> None:
    assert sorted(_json_columns()) == sorted(CASES)


@pytest.mark.parametrize("where", sorted(CASES), ids=".".join)
async def test_what_is_written_is_read_back(app_ctx: AppContext, where: tuple[str, str]) -> None:
    column, case = _json_columns()[where], CASES[where]
    async with app_ctx.database.engine.connect() as connection:
        for value in case.written():
            stored = await connection.scalar(select(bindparam("value", value, type_=column.type)))
            assert stored == value
            case.read(stored)


def test_events_are_rebuilt_from_their_payload() -> None:
    event = ShopMemberJoined(shop_id="s", user_id="u")
    assert isinstance(_outbox_payload(event.payload()), Event)
