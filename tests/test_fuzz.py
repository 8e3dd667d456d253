"""Every operation of the OpenAPI document, fuzzed by schemathesis as each kind of caller.

The app is served by uvicorn on a free port (its own thread and event loop, as in production)
over a small market: an admin, a shop with an on-sale product, a buyer with an address, a cart
line and an unpaid order. Valid-looking requests aim at those real ids; invalid ones at
whatever schemathesis makes up. Any 5xx fails, and so does any answer the document does not
describe (status, media type, headers, body).

Budget: 4 examples per operation, each sent as 4 roles; seed 20261205, derandomized, no
shrinking. About 100 operations: some 25 s on SQLite and on PostgreSQL on a 2-core machine
(measured); it must stay well under three minutes.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jishi.app import create_app
from jishi.settings import Settings
from tests.conftest import Account, _truncate_all, make_admin
from tests.shopping import build_market, new_buyer, place_order

pytestmark = pytest.mark.fuzz

SEED = 20261205
EXAMPLES_PER_OPERATION = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Run last: they end the caller's own session, which would leave the rest to fuzz as a guest.
SESSION_ENDING = ("/api/v1/auth/logout", "/api/v1/me/password", "/api/v1/me/sessions/{session_id}")


@dataclass
class Market:
    accounts: dict[str, Account | None]
    ids: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _build_market(settings: Settings) -> Market:
    app = create_app(settings)
    ctx = app.state.ctx
    try:
        await _truncate_all(ctx)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            admin = await make_admin(client, ctx)
            market = await build_market(client, admin)
            buyer, address_id = await new_buyer(client)
            placed = await place_order(client, buyer, address_id, [(market.a.sku_ids[0], 1)])
            assert placed.status_code == 201, placed.text
            line = await client.post(
                "/api/v1/cart/items", headers=buyer.headers, json={"sku_id": market.b.sku_ids[0]}
            )
            assert line.status_code == 201, line.text
    finally:
        await ctx.close()
    ids = {
        "shop_id": market.a.shop_id,
        "product_id": market.a.product_id,
        "sku_id": market.a.sku_ids[0],
        "category_id": market.category_id,
        "address_id": address_id,
        "order_id": placed.json()["orders"][0]["id"],
        "payment_id": placed.json()["payment"]["id"],
        "item_id": line.json()["id"],
        "user_id": market.a.owner.id,
        "channel": "sandbox",
    }
    roles: dict[str, Account | None] = {
        "anonymous": None,
        "buyer": buyer,
        "shop_owner": market.a.owner,
        "admin": admin,
    }
    return Market(roles, ids)


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[str, Market]]:
    """The market, then the app serving it on a free port."""
    settings.login_attempts_per_ip = 10_000
    market = asyncio.run(_build_market(settings))
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", market
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: operation.path in SESSION_ENDING)


def _cases(operation: Any, ids: dict[str, str]) -> st.SearchStrategy[Any]:
    """Valid requests aimed at the market's ids, and invalid ones where there is something to
    get wrong (a path of bare ids has none: every string is a well-formed id)."""
    known = {name: value for name, value in ids.items() if name in operation.path_parameters}
    cases: st.SearchStrategy[Any] = operation.as_strategy(
        GenerationMode.POSITIVE, path_parameters=known or None
    )
    if operation.body or operation.query:
        cases = st.one_of(cases, operation.as_strategy(GenerationMode.NEGATIVE))
    return cases


def _fuzz(operation: Any, base_url: str, market: Market) -> list[str]:
    """Send each generated request as every role; the failures, by role."""
    failures: list[str] = []
    session = requests.Session()

    @seed(SEED)
    @hsettings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation, market.ids))
    def run(case: Any) -> None:
        for role, account in market.accounts.items():
            headers = account.headers if account else {}
            try:
                response = case.call(base_url=base_url, session=session, headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:  # every role's failure is reported, not only the first
                failures.append(f"{operation.label} as {role}: {exc}")
            finally:
                session.cookies.clear()  # each request is its own visitor: no guest cart, no cookie

    run()
    return failures


def test_every_operation_answers_as_documented(served: tuple[str, Market]) -> None:
    base_url, market = served
    document = httpx.get(f"{base_url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    for operation in _operations(schema):
        failures += _fuzz(operation, base_url, market)
    assert not failures, "\n\n".join(failures)
