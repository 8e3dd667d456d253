"""Security headers on every answer, chosen by the class of route.

- the web app (storefront, consoles, built assets): a Content-Security-Policy with scripts
  only from this origin, never framed;
- the API: nothing may load from an answer, nothing may frame it; answers to a request that
  carried credentials, and everything under ``/api/v1/auth``, are never stored by caches;
- everywhere: ``X-Frame-Options``, ``nosniff``, a referrer policy, and HSTS when the request
  came over HTTPS (``scope["scheme"]``, which uvicorn's ``proxy_headers`` sets from
  ``X-Forwarded-Proto`` of a trusted proxy).

A header a route set itself wins (media files and the sandbox cashier page carry their own
policies), except ``Cache-Control`` on credentialed API answers, which is always ``no-store``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline anything: Vite emits no inline script or style, and Vue and Element Plus set
# styles through the CSSOM (element.style), which style-src does not govern.
WEB_APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"

_EVERYWHERE = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)
# Not the web app: JSON, files and the gateway stand-in (the interactive API docs load their
# script from a CDN and inline, so they get no policy beyond framing).
_API_LIKE = ("/api/", "/media/", "/sandbox-gateway/", "/healthz", "/readyz", "/openapi.json")
_API_DOCS = ("/docs", "/redoc")
_AUTH_PREFIX = "/api/v1/auth"
_CREDENTIAL_COOKIES = ("jishi_session=", "jishi_refresh=")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults, overrides = _headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in defaults:
                    headers.setdefault(name, value)
                for name, value in overrides:
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers_for(scope: Scope) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    path: str = scope["path"]
    defaults = list(_EVERYWHERE)
    overrides: list[tuple[str, str]] = []
    if scope.get("scheme") == "https":
        defaults.append(("strict-transport-security", HSTS))
    if path.startswith(_API_DOCS):
        defaults.append(("content-security-policy", "frame-ancestors 'none'"))
    elif path.startswith(_API_LIKE):
        defaults.append(("content-security-policy", API_POLICY))
    else:
        defaults.append(("content-security-policy", WEB_APP_POLICY))
    if path.startswith("/api/") and (path.startswith(_AUTH_PREFIX) or _has_credentials(scope)):
        overrides.append(("cache-control", "no-store"))
    return defaults, overrides


def _has_credentials(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return True
        if name == b"cookie" and any(c.encode() in value for c in _CREDENTIAL_COOKIES):
            return True
    return False
