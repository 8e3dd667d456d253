"""Who is calling: the authentication dependencies every package's routes use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jishi.accounts import service
from jishi.accounts.service import Principal
from jishi.core.errors import AppError
from jishi.core.http import Ctx, Uow
from jishi.core.openapi import requires_sign_in

SESSION_COOKIE = "jishi_session"
REFRESH_COOKIE = "jishi_refresh"
CSRF_COOKIE = "jishi_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")


async def optional_principal(
    request: Request,
    uow: Uow,
    ctx: Ctx,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller, if any. A bearer token wins over the cookie.

    Cookie-authenticated unsafe requests must echo the CSRF token in a header
    (the cookie is sent by the browser on its own; the header is not).
    """
    if credentials is not None:
        principal = await service.authenticate(uow, credentials.credentials, via_cookie=False)
        if principal is None:
            raise AppError("invalid_token", headers={"WWW-Authenticate": "Bearer"})
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = await service.authenticate(uow, cookie, via_cookie=True)
    if principal is None:
        raise AppError("invalid_token")
    if request.method not in SAFE_METHODS and not ctx.keyring.check_csrf(
        principal.session_id, request.headers.get(CSRF_HEADER)
    ):
        raise AppError("csrf_failed")
    return principal


async def optional_principal_or_none(request: Request, uow: Uow, ctx: Ctx) -> Principal | None:
    """Like ``optional_principal`` but a bad or expired token is just nobody (for logout).

    A cookie session still needs its CSRF header, so another site cannot sign a user out.
    """
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        return await service.authenticate(uow, token, via_cookie=False)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = await service.authenticate(uow, cookie, via_cookie=True)
    if principal is not None and not ctx.keyring.check_csrf(
        principal.session_id, request.headers.get(CSRF_HEADER)
    ):
        raise AppError("csrf_failed")
    return principal


@requires_sign_in
async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise AppError("not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    return principal


async def platform_admin(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.has_role("platform_admin"):
        raise AppError("forbidden")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
MaybeUser = Annotated[Principal | None, Depends(optional_principal)]
PlatformAdmin = Annotated[Principal, Depends(platform_admin)]
