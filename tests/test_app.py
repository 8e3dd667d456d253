"""Probes, request ids, the served web app and the published API document."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from jishi.app import create_app
from jishi.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


async def test_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


async def test_readyz_reports_an_unreachable_database(settings: Settings, tmp_path: Path) -> None:
    settings.database_url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x.db"
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/readyz")).status_code == 503
    await app.state.ctx.close()


async def test_request_ids_are_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert given.headers["x-request-id"] == "trace-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\n"})
    assert made.headers["x-request-id"] != "bad id with spaces\n" and len(made.headers["x-request-id"]) == 26
    problem = await client.get("/api/v1/me", headers={"X-Request-ID": "trace-456"})
    assert problem.json()["request_id"] == "trace-456"


async def test_unknown_api_routes_are_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "route_not_found"
    wrong_method = await client.put("/api/v1/auth/login")
    assert wrong_method.status_code == 405


async def test_web_app_is_served_with_history_fallback(settings: Settings, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<div id=app>集市</div>")
    (dist / "assets" / "app-abc123.js").write_text("console.log(1)")
    settings.web_dist = dist
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path in ("/", "/merchant/apply", "/admin/shops", "/login"):
            page = await c.get(path)
            assert page.status_code == 200 and "集市" in page.text, path
            assert page.headers["cache-control"] == "no-cache"
        asset = await c.get("/assets/app-abc123.js")
        assert "immutable" in asset.headers["cache-control"]
        assert (await c.get("/assets/missing.js")).status_code == 404
        assert (await c.get("/../../etc/passwd")).text.count("root:") == 0
    await app.state.ctx.close()


def test_committed_openapi_document_matches_the_app() -> None:
    """The web client's types are generated from web/src/api/openapi.json; it must not drift."""
    app = create_app(Settings(database_url="sqlite+aiosqlite://", secret_key="x" * 32))
    committed = json.loads((ROOT / "web" / "src" / "api" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(app.openapi())), (
        "run `jishi openapi` and `npm run gen:api` in web/ to refresh the client"
    )
