"""Every list's cursor is opaque, typed and signed for that list: whatever else a client sends
as ``cursor`` is a 422 ``invalid_cursor`` naming the field, never a 500 and never a query.

The lists are read from the OpenAPI document, so a new list is covered the day it is added."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import AwareDatetime, ConfigDict

from jishi.accounts.models import LoginAlert
from jishi.core.context import AppContext
from jishi.core.events import OutboxDispatcher
from jishi.core.pagination import CursorCodec, CursorFloat, CursorId, CursorInt, CursorPosition, CursorText
from jishi.core.security import Keyring
from jishi.privacy import service as privacy
from tests.catalog.helpers import API
from tests.conftest import Account
from tests.shopping import Market, build_market, list_product, new_buyer, place_order


@dataclass
class Lists:
    """Each cursor-paged route, ready to call: its URL and who may read it."""

    routes: dict[str, tuple[str, dict[str, str]]]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cursor_routes(app_ctx: AppContext) -> list[str]:
    spec = app_ctx.app.openapi()  # type: ignore[attr-defined]
    return sorted(
        path
        for path, operations in spec["paths"].items()
        if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    )


async def _fill(client: httpx.AsyncClient, app_ctx: AppContext, admin: Account) -> tuple[Market, Account]:
    """At least two rows in every list, so each pages with ``limit=1``."""
    market = await build_market(client, admin)
    a = market.a
    await list_product(client, admin, market.category_id, title="华为 Pura 70", shop=(a.owner, a.shop_id))
    for name in ("华为", "小米"):
        created = await client.post(f"{API}/admin/brands", headers=admin.headers, json={"name": name})
        assert created.status_code == 201, created.text
    for terms in (["手机", "移动电话"], ["平板", "平板电脑"]):
        url = f"{API}/admin/search/synonyms"
        created = await client.post(url, headers=admin.headers, json={"terms": terms})
        assert created.status_code == 201, created.text
    buyer, address = await new_buyer(client, app_ctx)
    for _ in range(2):
        placed = await place_order(client, buyer, address, [(a.sku_ids[0], 1)])
        assert placed.status_code == 201, placed.text
    dispatcher = OutboxDispatcher(app_ctx)
    while await dispatcher.dispatch_pending():  # the search index follows the catalog's events
        pass
    await _audit_rows(app_ctx, market, buyer)
    return market, buyer


async def _audit_rows(app_ctx: AppContext, market: Market, buyer: Account) -> None:
    """Two personal-data accesses and two login alerts, for the audit lists to page."""
    reader = privacy.Access(actor_id=market.a.owner.id, ip="192.0.2.1", shop_id=market.a.shop_id)
    async with app_ctx.database.uow() as uow:
        for subject in ("order-1", "order-2"):
            privacy.record_access(
                uow, reader, kind="phone", subject_kind="order", subject_id=subject, data_subject_id=buyer.id
            )
            uow.session.add(
                LoginAlert(user_id=buyer.id, networks=3, last_network="192.0.2.0/24", created_at=uow.now())
            )
        await uow.commit()


@pytest.fixture
async def lists(client: httpx.AsyncClient, app_ctx: AppContext, admin: Account) -> Lists:
    market, buyer = await _fill(client, app_ctx, admin)
    routes: dict[str, tuple[str, dict[str, str]]] = {}
    for path in cursor_routes(app_ctx):
        url = path.replace("{shop_id}", market.a.shop_id).replace("{sku_id}", market.a.sku_ids[0])
        if path.startswith(f"{API}/admin/"):
            reader = admin.headers
        elif path.startswith(f"{API}/shops/{{shop_id}}/"):
            reader = market.a.owner.headers
        elif path == f"{API}/orders":
            reader = buyer.headers
        else:
            reader = {}
        routes[path] = (url, reader)
    return Lists(routes)


async def first_cursor(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str:
    response = await client.get(url, params={"limit": 1}, headers=headers)
    assert response.status_code == 200, (url, response.text)
    cursor = response.json()["next_cursor"]
    assert isinstance(cursor, str), url
    return cursor


def crafted(real: str) -> dict[str, str]:
    """What a prober sends: hand-made cursors of the old base64-of-JSON kind, and edits of a real one."""
    payload, _, mac = real.partition(".")
    position = json.loads(_unb64(payload))
    plain: dict[str, dict[str, Any]] = {
        "nul inside": {"id": "01J\x00X", "k": "a\x00b", "i": "\x00"},
        "naive datetime": {"at": "2026-01-01T00:00:00", "k": "2026-01-01T00:00:00", "id": "01J", "i": "01J"},
        "1e308": {"a": 1e308, "k": 1e308, "id": "01J", "i": "01J"},
        "infinity": {"a": float("inf"), "k": float("inf"), "id": "01J", "i": "01J"},
    }
    cursors = {name: _b64(json.dumps(value).encode()) for name, value in plain.items()}
    for name, value in plain.items():  # the real payload edited, its signature kept
        edited = {key: value.get(key, v) for key, v in position.items()}
        cursors[f"edited, {name}"] = f"{_b64(json.dumps(edited).encode())}.{mac}"
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    cursors |= {
        "tampered signature": f"{payload}.{flipped}",
        "signature dropped": payload,
        "garbage": "%%%not-a-cursor",
        "non-ascii": "游标.游标",
        "empty": "",
    }
    return cursors


def assert_invalid_cursor(response: httpx.Response, what: str) -> None:
    assert response.status_code == 422, (what, response.status_code, response.text)
    body = response.json()
    assert body["code"] == "invalid_cursor", (what, body)
    assert [e["field"] for e in body["errors"]] == ["cursor"], (what, body)


async def test_every_list_refuses_crafted_cursors(client: httpx.AsyncClient, lists: Lists) -> None:
    assert len(lists.routes) >= 11
    for path, (url, headers) in lists.routes.items():
        real = await first_cursor(client, url, headers)
        for name, cursor in crafted(real).items():
            response = await client.get(url, params={"cursor": cursor}, headers=headers)
            assert_invalid_cursor(response, f"{path}: {name}")


async def test_a_cursor_pages_only_the_list_that_issued_it(client: httpx.AsyncClient, lists: Lists) -> None:
    cursors: dict[str, str] = {}
    for path, (url, headers) in lists.routes.items():
        first = await client.get(url, params={"limit": 1}, headers=headers)
        cursors[path] = first.json()["next_cursor"]
        second = await client.get(url, params={"limit": 1, "cursor": cursors[path]}, headers=headers)
        assert second.status_code == 200, (path, second.text)
        assert len(second.json()["items"]) == 1, path
        assert second.json()["items"] != first.json()["items"], path
    for path, (url, headers) in lists.routes.items():
        for other, cursor in cursors.items():
            if other != path:
                response = await client.get(url, params={"cursor": cursor}, headers=headers)
                assert_invalid_cursor(response, f"{path} given a cursor of {other}")


# ---- the codec itself: even a correctly signed cursor holds only its list's types ----------


class Loose(CursorPosition):
    model_config = ConfigDict(extra="allow", ser_json_inf_nan="constants")


class Strict(CursorPosition):
    at: AwareDatetime
    n: CursorInt
    x: CursorFloat
    t: CursorText
    id: CursorId


GOOD: dict[str, Any] = {"at": "2026-01-01T00:00:00+00:00", "n": 3, "x": 0.5, "t": "华为", "id": "01JABC"}


@pytest.mark.parametrize(
    "change",
    [
        {"at": "2026-01-01T00:00:00"},  # naive
        {"n": 1e308},
        {"n": 2**80},
        {"x": float("inf")},
        {"x": float("nan")},
        {"x": 1e308},
        {"t": "a\x00b"},
        {"id": "01J\x00"},
        {"id": "x" * 41},
        {"extra": 1},
    ],
)
def test_a_signed_cursor_outside_its_types_is_refused(change: dict[str, Any]) -> None:
    keyring = Keyring(b"k" * 32)
    forged = CursorCodec("things", Loose).encode(keyring, Loose(**(GOOD | change)))
    with pytest.raises(Exception) as refused:
        CursorCodec("things", Strict).decode(keyring, forged)
    assert getattr(refused.value, "code", None) == "invalid_cursor"


def test_positions_round_trip_and_are_bound_to_key_and_list() -> None:
    keyring = Keyring(b"k" * 32)
    things = CursorCodec("things", Strict)
    position = Strict.model_validate(GOOD)
    cursor = things.encode(keyring, position)
    assert things.decode(keyring, cursor) == position
    assert position.at == datetime(2026, 1, 1, tzinfo=UTC)
    for codec, key in ((CursorCodec("other", Strict), keyring), (things, Keyring(b"o" * 32))):
        with pytest.raises(Exception) as refused:
            codec.decode(key, cursor)
        assert getattr(refused.value, "code", None) == "invalid_cursor"
