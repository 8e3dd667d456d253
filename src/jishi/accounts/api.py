"""Routes of accounts: /auth/* and /me/*."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status

from jishi.accounts import schemas, service
from jishi.accounts.deps import (
    CSRF_COOKIE,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    PlatformAdmin,
    optional_principal_or_none,
)
from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError
from jishi.core.http import Ctx, Uow, client_ip
from jishi.core.pagination import CursorParam, Limit, Page

router = APIRouter(tags=["accounts"])

_REFRESH_PATH = "/api/v1/auth"

SignInHook = Callable[[Request, Response, UnitOfWork, str], Awaitable[None]]
_sign_in_hooks: list[SignInHook] = []


def on_sign_in(hook: SignInHook) -> None:
    """Another package's step when a request signs someone in (register, login, refresh):
    the cart takes over the guest cart of the browser's cookie. Wired by ``jishi.bootstrap``,
    so accounts needs no package that needs accounts. A hook gets the request (its cookies),
    the response (to clear them) and the unit of work, after the session is committed."""
    if hook not in _sign_in_hooks:
        _sign_in_hooks.append(hook)


def _client_kind(request: Request) -> str:
    return "browser" if request.headers.get("sec-fetch-mode") or request.cookies else "api"


def _set_session_cookies(response: Response, ctx: Ctx, tokens: service.IssuedTokens) -> None:
    secure = ctx.settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE,
        tokens.access_token,
        max_age=tokens.expires_in,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=ctx.settings.refresh_token_ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=secure,
        path=_REFRESH_PATH,
    )
    response.set_cookie(
        CSRF_COOKIE,
        ctx.keyring.csrf_token(tokens.session_id),
        max_age=ctx.settings.refresh_token_ttl_seconds,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )


async def _signed_in(
    request: Request, response: Response, uow: Uow, ctx: Ctx, tokens: service.IssuedTokens
) -> schemas.TokenOut:
    """Hand the new session to the client, after the other packages' sign-in hooks."""
    _set_session_cookies(response, ctx, tokens)
    for hook in _sign_in_hooks:
        await hook(request, response, uow, tokens.user.id)
    return await _token_out(uow, tokens)


def _clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=_REFRESH_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")


async def _user_out(uow: Uow, user: service.UserView) -> schemas.UserOut:
    roles = ["buyer", *sorted(user.platform_roles), *sorted(await service.other_roles(uow, user.id))]
    return schemas.UserOut.model_validate(
        {
            "id": user.id,
            "email": user.email,
            "nickname": user.nickname,
            "roles": roles,
            "created_at": user.created_at,
        }
    )


async def _token_out(uow: Uow, tokens: service.IssuedTokens) -> schemas.TokenOut:
    return schemas.TokenOut(
        user=await _user_out(uow, tokens.user),
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=schemas.TokenOut)
async def register(
    body: schemas.RegisterIn, request: Request, response: Response, uow: Uow, ctx: Ctx
) -> schemas.TokenOut:
    """Create a buyer account (邮箱注册) and sign in; sign-ups are limited per address."""
    tokens = await service.register(
        uow,
        ctx,
        email=str(body.email),
        password=body.password,
        nickname=body.nickname,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        client=_client_kind(request),
    )
    return await _signed_in(request, response, uow, ctx, tokens)


@router.post("/auth/login", response_model=schemas.TokenOut)
async def login(
    body: schemas.LoginIn, request: Request, response: Response, uow: Uow, ctx: Ctx
) -> schemas.TokenOut:
    """Sign in with email or phone. Wrong login and wrong password both answer 401."""
    tokens = await service.login(
        uow,
        ctx,
        login=body.login,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        client=_client_kind(request),
        challenge=_challenge_answer(body),
    )
    return await _signed_in(request, response, uow, ctx, tokens)


def _challenge_answer(body: schemas.LoginIn) -> service.ChallengeAnswer | None:
    if body.challenge_id is None or body.solution is None:
        return None
    return service.ChallengeAnswer(body.challenge_id, body.solution)


@router.post("/auth/challenges", status_code=status.HTTP_201_CREATED, response_model=schemas.ChallengeOut)
async def new_challenge(ctx: Ctx) -> schemas.ChallengeOut:
    """A proof-of-work challenge, for a login answered ``challenge_required``."""
    challenge = await service.issue_challenge(ctx)
    return schemas.ChallengeOut(
        challenge_id=challenge.challenge_id,
        nonce=challenge.nonce,
        difficulty=challenge.difficulty,
        expires_at=challenge.expires_at,
    )


@router.get("/admin/login-alerts", response_model=Page[schemas.LoginAlertOut], tags=["platform: accounts"])
async def login_alerts(
    _: PlatformAdmin, uow: Uow, ctx: Ctx, limit: Limit = 20, cursor: CursorParam = None
) -> Page[schemas.LoginAlertOut]:
    """Accounts whose password is being tried from several networks, newest first."""
    alerts, next_cursor = await service.list_login_alerts(uow, ctx, limit=limit, cursor=cursor)
    return Page(
        items=[schemas.LoginAlertOut.model_validate(a, from_attributes=True) for a in alerts],
        next_cursor=next_cursor,
    )


@router.post("/auth/refresh", response_model=schemas.TokenOut)
async def refresh(
    request: Request,
    response: Response,
    uow: Uow,
    ctx: Ctx,
    body: Annotated[schemas.RefreshIn | None, Body()] = None,
) -> schemas.TokenOut:
    """Exchange a refresh token (body, or the refresh cookie) for new tokens."""
    token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise AppError("invalid_token")
    tokens = await service.refresh(uow, ctx, token)
    return await _signed_in(request, response, uow, ctx, tokens)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, uow: Uow, ctx: Ctx) -> Response:
    """Revoke the current session; its access and refresh tokens stop working at once.

    Always answers 204 and clears the cookies, even for a session that had
    already expired, so a browser can always sign out.
    """
    principal = await optional_principal_or_none(request, uow, ctx)
    if principal is not None:
        await service.revoke_session(uow, principal.user_id, principal.session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response)
    return response


@router.get("/me", response_model=schemas.UserOut)
async def me(principal: CurrentUser, uow: Uow, ctx: Ctx) -> schemas.UserOut:
    return await _user_out(uow, await service.get_user(uow, ctx, principal.user_id))


@router.patch("/me", response_model=schemas.UserOut)
async def update_me(
    body: schemas.ProfileUpdateIn, principal: CurrentUser, uow: Uow, ctx: Ctx
) -> schemas.UserOut:
    user = await service.update_profile(uow, ctx, principal.user_id, nickname=body.nickname)
    return await _user_out(uow, user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: schemas.PasswordChangeIn, principal: CurrentUser, uow: Uow, ctx: Ctx
) -> Response:
    """Change the password; every other session is signed out."""
    user = await service.get_user(uow, ctx, principal.user_id)
    await service.change_password(
        uow,
        principal.user_id,
        principal.session_id,
        current=body.current_password,
        new=body.new_password,
        email=user.email,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/sessions", response_model=Page[schemas.SessionOut])
async def my_sessions(principal: CurrentUser, uow: Uow) -> Page[schemas.SessionOut]:
    sessions = await service.list_sessions(uow, principal.user_id)
    return Page(
        items=[
            schemas.SessionOut(
                id=s.id,
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                user_agent=s.user_agent,
                client=s.client,
                current=s.id == principal.session_id,
            )
            for s in sessions
        ]
    )


@router.delete("/me/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_my_session(session_id: str, principal: CurrentUser, uow: Uow) -> Response:
    await service.revoke_session(uow, principal.user_id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/addresses", status_code=status.HTTP_201_CREATED, response_model=schemas.AddressOut)
async def add_address(
    body: schemas.AddressIn, principal: CurrentUser, uow: Uow, ctx: Ctx
) -> schemas.AddressOut:
    view = await service.add_address(uow, ctx, principal.user_id, service.AddressFields(**body.model_dump()))
    return schemas.AddressOut.model_validate(view, from_attributes=True)


@router.get("/me/addresses", response_model=Page[schemas.AddressOut])
async def list_addresses(principal: CurrentUser, uow: Uow, ctx: Ctx) -> Page[schemas.AddressOut]:
    views = await service.list_addresses(uow, ctx, principal.user_id)
    return Page(items=[schemas.AddressOut.model_validate(v, from_attributes=True) for v in views])


@router.get("/me/addresses/{address_id}", response_model=schemas.AddressOut)
async def get_address(address_id: str, principal: CurrentUser, uow: Uow, ctx: Ctx) -> schemas.AddressOut:
    view = await service.get_address(uow, ctx, principal.user_id, address_id)
    return schemas.AddressOut.model_validate(view, from_attributes=True)


@router.put("/me/addresses/{address_id}", response_model=schemas.AddressOut)
async def update_address(
    address_id: str, body: schemas.AddressIn, principal: CurrentUser, uow: Uow, ctx: Ctx
) -> schemas.AddressOut:
    """Replace a saved address; orders already placed keep the address they were placed with."""
    fields = service.AddressFields(**body.model_dump())
    view = await service.update_address(uow, ctx, principal.user_id, address_id, fields)
    return schemas.AddressOut.model_validate(view, from_attributes=True)


@router.delete("/me/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_address(address_id: str, principal: CurrentUser, uow: Uow) -> Response:
    await service.delete_address(uow, principal.user_id, address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
