"""Serving the built web app (``web/dist``) next to the API, with SPA fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from jishi.core.errors import AppError

API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/assets/", "/media/")

# The web app's history fallback: every other GET is a page of the single-page app.
SPA_PATH = "/{path:path}"

_NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>集市 Jishi</title>
<body style="font-family:sans-serif;max-width:40rem;margin:4rem auto">
<h1>集市 Jishi</h1><p>The web app has not been built. Run <code>make run</code>
(or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>).</p>
<p>The API is at <a href="/docs">/docs</a>.</p></body></html>"""


class CachedStaticFiles(StaticFiles):
    """Vite names built assets by content hash, so they can be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_web_app(app: FastAPI, dist: Path) -> None:
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", CachedStaticFiles(directory=assets), name="assets")
    index = dist / "index.html"

    @app.get(SPA_PATH, include_in_schema=False, response_model=None)
    def spa(path: str, request: Request) -> Response:  # sync: file checks run in the threadpool
        if request.url.path.startswith(API_PREFIXES):
            raise AppError("route_not_found")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate, headers={"Cache-Control": "public, max-age=3600"})
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(_NOT_BUILT)
