"""Registration, login, tokens, cookies and CSRF, as a client sees them."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from jishi.accounts import service
from jishi.accounts.models import User
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.core.ids import new_id
from jishi.settings import Settings
from tests.conftest import PASSWORD, register

API = "/api/v1"


async def test_register_answers_the_contract_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", json={"email": "Li.Lei@Example.com", "password": PASSWORD, "nickname": "李雷"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "li.lei@example.com"
    assert body["user"]["nickname"] == "李雷"
    assert body["user"]["roles"] == ["buyer"]
    assert isinstance(body["user"]["id"], str) and len(body["user"]["id"]) == 26
    assert body["access_token"] and body["refresh_token"]

    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "li.lei@example.com"


async def test_duplicate_email_is_a_conflict_naming_the_field(client: httpx.AsyncClient) -> None:
    await register(client, "han.meimei@example.com")
    response = await client.post(
        f"{API}/auth/register", json={"email": "HAN.MEIMEI@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "email_taken"
    assert response.json()["errors"][0]["field"] == "email"


async def test_weak_passwords_are_refused_with_a_reason(client: httpx.AsyncClient) -> None:
    for password, code in (
        ("short1", "string_too_short"),
        ("onlyletters", "weak_password"),
        ("12345678901", "weak_password"),
        ("password123", "weak_password"),
        ("x" * 120 + "1" * 9, "string_too_long"),
        ("wangfang-2024", "weak_password"),
    ):
        response = await client.post(
            f"{API}/auth/register", json={"email": "wangfang@example.com", "password": password}
        )
        assert response.status_code == 422, password
        errors = response.json()["errors"]
        assert errors[0]["field"] == "password" and errors[0]["code"] == code, (password, errors)


async def test_email_and_password_are_not_stored_in_clear(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    account = await register(client, "secret.person@example.com")
    async with app_ctx.database.uow() as uow:
        user = await uow.session.scalar(select(User).where(User.id == account.id))
        assert user is not None
        stored = " ".join(str(getattr(user, c.key)) for c in User.__table__.columns)
    assert "secret.person" not in stored
    assert PASSWORD not in stored
    assert user.password_hash.startswith("$argon2id$")


async def test_login_by_email_and_wrong_answers_look_alike(client: httpx.AsyncClient) -> None:
    await register(client, "zhang.san@example.com")
    ok = await client.post(f"{API}/auth/login", json={"login": "Zhang.San@example.com", "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["user"]["email"] == "zhang.san@example.com"

    wrong_password = await client.post(
        f"{API}/auth/login", json={"login": "zhang.san@example.com", "password": "nope-123"}
    )
    unknown = await client.post(
        f"{API}/auth/login", json={"login": "nobody@example.com", "password": "nope-123"}
    )
    assert wrong_password.status_code == unknown.status_code == 401

    def strip(response: httpx.Response) -> dict[str, object]:
        return {k: v for k, v in response.json().items() if k != "request_id"}

    assert strip(wrong_password) == strip(unknown)


async def test_login_attempts_are_limited_per_address(client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    app_ctx.settings.login_attempts_per_ip = 8
    codes = []
    for i in range(10):
        r = await client.post(
            f"{API}/auth/login", json={"login": f"spray{i}@example.com", "password": "guess-1234"}
        )
        codes.append(r.status_code)
    assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]


async def test_registrations_are_limited_per_address(client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    app_ctx.settings.registrations_per_ip = 3
    codes = []
    for i in range(4):
        r = await client.post(
            f"{API}/auth/register", json={"email": f"sign{i}@example.com", "password": PASSWORD}
        )
        codes.append(r.status_code)
    assert codes == [201, 201, 201, 429]
    assert r.json()["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0


async def test_registrations_are_limited_to_five_an_hour_by_default(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    """A taken email answers 409: the limit keeps that from becoming a way to test many emails."""
    for name in ("registrations_per_ip", "registration_window_seconds"):
        setattr(app_ctx.settings, name, Settings.model_fields[name].default)
    for i in range(5):
        signed_up = await client.post(
            f"{API}/auth/register", json={"email": f"p{i}@example.com", "password": PASSWORD}
        )
        assert signed_up.status_code == 201
    probe = await client.post(f"{API}/auth/register", json={"email": "p0@example.com", "password": PASSWORD})
    assert probe.status_code == 429 and probe.json()["code"] == "rate_limited"
    assert 3000 < int(probe.headers["Retry-After"]) <= 3600


async def _register_from(ctx: AppContext, ip: str | None) -> service.IssuedTokens:
    async with ctx.database.uow() as uow:
        return await service.register(
            uow,
            ctx,
            email=f"buyer-{new_id().lower()}@example.com",
            password=PASSWORD,
            nickname=None,
            ip=ip,
            user_agent="tests",
            client="api",
        )


async def test_the_service_limits_registrations_per_address(app_ctx: AppContext) -> None:
    app_ctx.settings.registrations_per_ip = 2
    for _ in range(2):
        await _register_from(app_ctx, "203.0.113.7")
    with pytest.raises(AppError) as refused:
        await _register_from(app_ctx, "203.0.113.7")
    assert refused.value.code == "rate_limited"
    assert int(refused.value.headers["Retry-After"]) > 0
    await _register_from(app_ctx, "203.0.113.8")  # another address has its own count
    await _register_from(app_ctx, None)  # callers inside the platform (seeding, benchmarks) are not limited


async def test_expired_access_token_is_refused_and_refresh_rotates(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    account = await register(client)
    clock.advance(timedelta(hours=3))
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 401

    refreshed = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access_token"]
    assert new_access != account.token
    client.cookies.clear()
    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {new_access}"})
    assert me.status_code == 200


async def test_replayed_refresh_token_revokes_the_session(client: httpx.AsyncClient) -> None:
    account = await register(client)
    first = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    client.cookies.clear()
    replay = await client.post(f"{API}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    # the thief's replay also kills the legitimate holder's new tokens
    latest = first.json()
    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {latest['access_token']}"})
    assert me.status_code == 401
    again = await client.post(f"{API}/auth/refresh", json={"refresh_token": latest["refresh_token"]})
    assert again.status_code == 401


async def test_logout_revokes_the_token(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert (await client.post(f"{API}/auth/logout", headers=account.headers)).status_code == 204
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 401


async def test_browser_session_cookie_needs_csrf_for_changes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", json={"email": "browser@example.com", "password": PASSWORD}
    )
    set_cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("jishi_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    csrf = client.cookies["jishi_csrf"]

    assert (await client.get(f"{API}/me")).status_code == 200  # safe method: cookie suffices
    no_header = await client.patch(f"{API}/me", json={"nickname": "新昵称"})
    assert no_header.status_code == 403 and no_header.json()["code"] == "csrf_failed"
    forged = await client.patch(f"{API}/me", json={"nickname": "新昵称"}, headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    ok = await client.patch(f"{API}/me", json={"nickname": "新昵称"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["nickname"] == "新昵称"


async def test_refresh_and_logout_work_from_cookies(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/auth/register", json={"email": "cookie@example.com", "password": PASSWORD})
    old_session = client.cookies["jishi_session"]
    refreshed = await client.post(f"{API}/auth/refresh")
    assert refreshed.status_code == 200
    assert client.cookies["jishi_session"] != old_session
    csrf = client.cookies["jishi_csrf"]
    out = await client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert "jishi_session" not in client.cookies
    assert (await client.get(f"{API}/me")).status_code == 401


async def test_password_change_signs_out_other_sessions(client: httpx.AsyncClient) -> None:
    account = await register(client, "mover@example.com")
    other = await client.post(f"{API}/auth/login", json={"login": "mover@example.com", "password": PASSWORD})
    client.cookies.clear()
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    wrong = await client.post(
        f"{API}/me/password",
        headers=account.headers,
        json={"current_password": "bad-1234x", "new_password": "brand-new-77"},
    )
    assert wrong.status_code == 401
    changed = await client.post(
        f"{API}/me/password",
        headers=account.headers,
        json={"current_password": PASSWORD, "new_password": "brand-new-77"},
    )
    assert changed.status_code == 204
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 200
    assert (await client.get(f"{API}/me", headers=other_headers)).status_code == 401
    relogin = await client.post(
        f"{API}/auth/login", json={"login": "mover@example.com", "password": "brand-new-77"}
    )
    assert relogin.status_code == 200


async def test_sessions_can_be_listed_and_revoked(client: httpx.AsyncClient) -> None:
    account = await register(client, "devices@example.com")
    phone = await client.post(
        f"{API}/auth/login", json={"login": "devices@example.com", "password": PASSWORD}
    )
    client.cookies.clear()
    sessions = (await client.get(f"{API}/me/sessions", headers=account.headers)).json()["items"]
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    other_id = next(s["id"] for s in sessions if not s["current"])
    assert (await client.delete(f"{API}/me/sessions/{other_id}", headers=account.headers)).status_code == 204
    phone_headers = {"Authorization": f"Bearer {phone.json()['access_token']}"}
    assert (await client.get(f"{API}/me", headers=phone_headers)).status_code == 401


async def test_errors_speak_the_requested_language(client: httpx.AsyncClient) -> None:
    zh = await client.get(f"{API}/me")
    en = await client.get(f"{API}/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert zh.status_code == en.status_code == 401
    assert zh.json()["detail"] == "请先登录。"
    assert en.json()["detail"] == "Please log in first."
    assert en.headers["content-language"] == "en"
    assert zh.json()["code"] == en.json()["code"] == "not_authenticated"


async def test_logout_always_clears_a_stale_browser_session(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await client.post(f"{API}/auth/register", json={"email": "stale@example.com", "password": PASSWORD})
    clock.advance(timedelta(hours=5))  # the access cookie's token has expired
    out = await client.post(f"{API}/auth/logout")
    assert out.status_code == 204
    assert "jishi_session" not in client.cookies and "jishi_csrf" not in client.cookies


async def test_logout_of_a_live_cookie_session_needs_csrf(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/auth/register", json={"email": "csrf.out@example.com", "password": PASSWORD})
    assert (await client.post(f"{API}/auth/logout")).status_code == 403
    assert (await client.get(f"{API}/me")).status_code == 200
