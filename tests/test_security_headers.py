"""Security headers by class of route: the web app cannot be framed and runs only its own
scripts, API answers load nothing, credentialed answers are never cached, HSTS only over HTTPS."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.settings import Settings
from tests.conftest import register
from tests.payments.helpers import new_payment, start_paying

API = "/api/v1"
WEB_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/assets/app.js"></script>')
    (dist / "assets" / "app.js").write_text("console.log('集市')")
    settings.web_dist = dist
    return settings


def assert_everywhere(response: httpx.Response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # plain http


def policy(response: httpx.Response) -> set[str]:
    return {part.strip() for part in response.headers["content-security-policy"].split(";")}


@pytest.mark.parametrize("path", ["/", "/merchant", "/admin/shops", "/assets/app.js"])
async def test_the_web_app_runs_only_its_own_scripts_and_is_never_framed(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert_everywhere(response)
    assert policy(response) >= WEB_POLICY
    assert not any("unsafe" in p for p in policy(response))
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_a_public_api_answer_loads_nothing_and_stays_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/shops")
    assert response.status_code == 200
    assert_everywhere(response)
    assert policy(response) == {"default-src 'none'", "frame-ancestors 'none'"}
    assert response.headers.get("cache-control") != "no-store"


async def test_credentialed_api_answers_are_never_stored(client: httpx.AsyncClient) -> None:
    account = await register(client)
    by_token = await client.get(f"{API}/me", headers=account.headers)
    public_with_token = await client.get(f"{API}/shops", headers=account.headers)
    login = await client.post(f"{API}/auth/login", json={"login": account.email, "password": "wrong-pass1"})
    for response in (by_token, public_with_token, login):
        assert_everywhere(response)
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert policy(response) == {"default-src 'none'", "frame-ancestors 'none'"}


async def test_hsts_only_over_https(app_ctx: AppContext) -> None:
    transport = httpx.ASGITransport(app=app_ctx.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as https:
        secure = await https.get(f"{API}/shops")
        page = await https.get("/")
    for response in (secure, page):
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_media_keeps_its_sandboxing_policy(client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    await app_ctx.storage.put("products/x/photo.png", b"\x89PNG not really")
    response = await client.get("/media/products/x/photo.png")
    assert response.status_code == 200
    assert_everywhere(response)
    assert policy(response) == {"default-src 'none'", "sandbox"}


async def test_the_sandbox_cashier_page_keeps_its_own_policy(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    buyer = await register(client)
    payment = await new_payment(app_ctx, buyer.id)
    trade_no = await start_paying(client, buyer, payment.id)
    response = await client.get(f"/sandbox-gateway/trades/{trade_no}")
    assert response.status_code == 200
    assert_everywhere(response)
    assert "frame-ancestors 'none'" in policy(response)
    assert any(p.startswith("form-action 'self'") for p in policy(response))
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
