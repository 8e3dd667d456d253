"""Hundreds of generated bad bodies at the identity and shop routes: never a 500.

Each answer must be a problem+json 4xx (or a success, when the generator
happens to build a valid body), and nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jishi.app import create_app
from jishi.settings import Settings
from tests.conftest import _truncate_all

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=12,
)
LONG_TEXT = st.text(min_size=101, max_size=3000)
FIELDS = {
    "/api/v1/auth/register": ["email", "password", "nickname"],
    "/api/v1/auth/login": ["login", "password"],
    "/api/v1/auth/refresh": ["refresh_token"],
    "/api/v1/me": ["nickname"],
    "/api/v1/me/password": ["current_password", "new_password"],
    "/api/v1/me/addresses": ["recipient", "phone", "province", "city", "district", "detail", "is_default"],
    "/api/v1/shops": ["name", "description"],
    "/api/v1/shops/{shop}": ["name", "description"],
    "/api/v1/shops/{shop}/invitations": ["email"],
    "/api/v1/admin/shops/{shop}/reject": ["reason"],
    "/api/v1/admin/shops/{shop}/suspend": ["reason"],
}
METHODS = {"/api/v1/me": "PATCH", "/api/v1/shops/{shop}": "PATCH"}


def bodies_for(fields: list[str]) -> st.SearchStrategy[bytes]:
    typed = st.fixed_dictionaries({}, optional={f: JSON | LONG_TEXT for f in fields})
    with_extra = st.tuples(typed, st.text(min_size=1, max_size=10), JSON).map(
        lambda t: {**t[0], f"x_{t[1]}": t[2]}
    )
    as_json = (typed | with_extra | JSON).map(lambda v: json.dumps(v).encode())
    broken = st.binary(max_size=200) | st.text(max_size=200).map(lambda s: ("{" + s).encode())
    return as_json | broken


REQUESTS = st.sampled_from(sorted(FIELDS)).flatmap(
    lambda path: st.tuples(st.just(path), bodies_for(FIELDS[path]))
)


@dataclass
class SyncApi:
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    headers: dict[str, str]
    shop_id: str

    def send(self, method: str, path: str, body: bytes) -> httpx.Response:
        return self.loop.run_until_complete(
            self.client.request(
                method,
                path,
                content=body,
                headers={**self.headers, "content-type": "application/json"},
            )
        )


@pytest.fixture
def api(settings: Settings) -> Iterator[SyncApi]:
    # Hypothesis drives a synchronous test, so this fixture runs its own loop.
    settings.login_attempts_per_ip = 10_000
    loop = asyncio.new_event_loop()
    app = create_app(settings)
    ctx = app.state.ctx
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def prepare() -> tuple[dict[str, str], str]:
        from jishi.accounts import service as accounts

        await _truncate_all(ctx)
        reg = await client.post(
            "/api/v1/auth/register", json={"email": "fuzz@example.com", "password": "quiet-river-88"}
        )
        user_id, token = reg.json()["user"]["id"], reg.json()["access_token"]
        async with ctx.database.uow() as uow:
            await accounts.grant_role(uow, user_id, "platform_admin")
            await uow.commit()
        headers = {"Authorization": f"Bearer {token}"}
        shop = await client.post("/api/v1/shops", json={"name": "模糊测试店"}, headers=headers)
        await client.post(f"/api/v1/admin/shops/{shop.json()['id']}/approve", headers=headers)
        client.cookies.clear()
        return headers, shop.json()["id"]

    headers, shop_id = loop.run_until_complete(prepare())
    yield SyncApi(loop, client, headers, shop_id)
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(ctx.close())
    loop.close()


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=REQUESTS)
def test_generated_bad_bodies_never_cause_a_500(api: SyncApi, request: tuple[str, bytes]) -> None:
    path, body = request
    method = METHODS.get(path, "POST")
    response = api.send(method, path.replace("{shop}", api.shop_id), body)
    assert response.status_code < 500, (path, body[:200], response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        problem: dict[str, Any] = response.json()
        assert problem["status"] == response.status_code and problem["code"]
        if problem["code"] == "validation_error":
            assert all(e["field"] for e in problem["errors"])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/register", {"email": "a@example.com", "password": "p" * 129 + "1"}, "password"),
        (
            "/api/v1/auth/register",
            {"email": "a@example.com", "password": "good-pass-1", "nickname": "名" * 101},
            "nickname",
        ),
        (
            "/api/v1/auth/register",
            {"email": "a@example.com", "password": "good-pass-1", "is_admin": True},
            "is_admin",
        ),
        ("/api/v1/auth/register", {"email": "not-an-email", "password": "good-pass-1"}, "email"),
        ("/api/v1/auth/login", {"login": "a@example.com", "password": 12345678}, "password"),
        ("/api/v1/shops", {"name": "店" * 101}, "name"),
        ("/api/v1/shops", {"name": "   "}, "name"),
        ("/api/v1/shops", {"name": "ok", "status": "active"}, "status"),
    ],
)
def test_bad_fields_are_named(api: SyncApi, path: str, body: dict[str, Any], field: str) -> None:
    response = api.send("POST", path, json.dumps(body).encode())
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_nul_characters_are_refused_everywhere(api: SyncApi) -> None:
    body = api.send("POST", "/api/v1/shops", json.dumps({"name": "a\u0000b"}).encode())
    assert body.status_code == 422 and body.json()["errors"][0]["field"] == "name"
    nested = api.send(
        "POST", f"/api/v1/admin/shops/{api.shop_id}/suspend", json.dumps({"reason": "x\u0000"}).encode()
    )
    assert nested.status_code == 422
    for path in ("/api/v1/shops/abc%00def", "/api/v1/shops?cursor=%00"):
        response = api.loop.run_until_complete(api.client.get(path))
        assert response.status_code == 422, path


def test_oversized_and_malformed_bodies(api: SyncApi) -> None:
    huge = api.send("POST", "/api/v1/shops", b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}')
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    broken = api.send("POST", "/api/v1/auth/login", b'{"login": "a@example.com", "password": ')
    assert broken.status_code == 422 and broken.json()["code"] == "malformed_json"
    assert broken.json()["errors"][0]["field"] == "body"
