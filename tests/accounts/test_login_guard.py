"""Failed logins: an attacker is slowed down and challenged, the owner is not locked out."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from jishi.accounts.models import User
from jishi.core.clock import FrozenClock
from jishi.core.context import AppContext
from tests.conftest import PASSWORD, Account, register

API = "/api/v1"
OWNER_HOME = "10.20.30.40"  # the address the test client registers from is 127.0.0.1
WRONG = "guess-1234"


@asynccontextmanager
async def client_at(ctx: AppContext, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=ctx.app, client=(ip, 50123))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def solve(nonce: str, difficulty: int) -> str:
    for counter in itertools.count():
        digest = hashlib.sha256(f"{nonce}{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return str(counter)
    raise AssertionError("unreachable")


async def solved_challenge(client: httpx.AsyncClient) -> dict[str, str]:
    issued = await client.post(f"{API}/auth/challenges")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["difficulty"] >= 14 and body["algorithm"] == "sha256-leading-zero-bits"
    return {"challenge_id": body["challenge_id"], "solution": solve(body["nonce"], body["difficulty"])}


async def try_login(client: httpx.AsyncClient, login: str, password: str, **extra: Any) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"login": login, "password": password, **extra})


async def attack(ctx: AppContext, login: str, ips: list[str], tries: int) -> list[str]:
    """Wrong passwords from each address in turn, without solving challenges: the codes answered."""
    codes = []
    for ip in ips:
        async with client_at(ctx, ip) as attacker:
            for _ in range(tries):
                codes.append((await try_login(attacker, login, WRONG)).json()["code"])
    return codes


async def owner_at_home(ctx: AppContext, email: str) -> None:
    async with client_at(ctx, OWNER_HOME) as home:
        assert (await try_login(home, email, PASSWORD)).status_code == 200


async def test_attackers_never_lock_the_owner_out_of_their_usual_network(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    owner = await register(client, "merchant.boss@example.com")
    await owner_at_home(app_ctx, owner.email)
    attackers = [f"198.51.{n}.7" for n in range(12)]
    codes = await attack(app_ctx, owner.email, attackers, 5)
    assert codes[:5] == ["invalid_credentials"] * 5
    assert set(codes[5:]) == {"challenge_required"}
    # Another address on the owner's home network, with the right password: straight in.
    async with client_at(app_ctx, "10.20.30.99") as home:
        signed_in = await try_login(home, owner.email, PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        # A typo at home is a plain wrong password, not a challenge.
        assert (await try_login(home, owner.email, WRONG)).json()["code"] == "invalid_credentials"


async def test_from_a_new_network_the_owner_solves_a_challenge_and_gets_in(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    owner = await register(client, "traveller@example.com")
    await attack(app_ctx, owner.email, ["198.51.100.7"], 5)
    async with client_at(app_ctx, "172.16.5.5") as hotel:
        asked = await try_login(hotel, owner.email, PASSWORD)
        assert asked.status_code == 401 and asked.json()["code"] == "challenge_required"
        signed_in = await try_login(hotel, owner.email, PASSWORD, **await solved_challenge(hotel))
        assert signed_in.status_code == 200, signed_in.text
        # The hotel's network is now one of the owner's.
        assert (await try_login(hotel, owner.email, PASSWORD)).status_code == 200


async def test_an_unknown_login_is_challenged_like_a_real_one(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    real = await register(client, "real@example.com")
    for login in (real.email, "ghost@example.com"):
        codes = await attack(app_ctx, login, ["198.51.100.7"], 6)
        assert codes == ["invalid_credentials"] * 5 + ["challenge_required"], login


async def test_one_address_is_stopped_after_ten_failures_on_an_account(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    owner = await register(client, "pair@example.com")
    await owner_at_home(app_ctx, owner.email)
    async with client_at(app_ctx, "198.51.100.7") as attacker:
        codes: list[str] = []
        for _ in range(10):
            challenge = await solved_challenge(attacker) if len(codes) >= 5 else {}
            codes.append((await try_login(attacker, owner.email, WRONG, **challenge)).json()["code"])
        assert codes == ["invalid_credentials"] * 10
        blocked = await try_login(attacker, owner.email, PASSWORD, **await solved_challenge(attacker))
        assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) > 0
        # The same address may still try other accounts (the per-address limit is higher)...
        other = await register(client, "neighbour@example.com")
        assert (await try_login(attacker, other.email, PASSWORD)).status_code == 200
    # ...and the owner is not held back at all.
    async with client_at(app_ctx, OWNER_HOME) as home:
        assert (await try_login(home, owner.email, PASSWORD)).status_code == 200


async def test_one_address_is_stopped_after_thirty_failures_across_accounts(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    owner = await register(client, "sprayed@example.com")
    async with client_at(app_ctx, "198.51.100.7") as sprayer:
        # Logins that succeed do not count: an office behind one address signs in all day.
        for _ in range(5):
            assert (await try_login(sprayer, owner.email, PASSWORD)).status_code == 200
        codes = [(await try_login(sprayer, f"spray{i}@example.com", WRONG)).status_code for i in range(30)]
        assert codes == [401] * 30
        refused = await try_login(sprayer, owner.email, PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    async with client_at(app_ctx, "198.51.101.7") as elsewhere:
        assert (await try_login(elsewhere, owner.email, PASSWORD)).status_code == 200


async def test_a_forged_replayed_or_expired_challenge_is_refused(
    client: httpx.AsyncClient, app_ctx: AppContext, clock: FrozenClock
) -> None:
    owner = await register(client, "guarded@example.com")
    await attack(app_ctx, owner.email, ["198.51.100.7"], 5)
    async with client_at(app_ctx, "203.0.113.9") as c:
        issued = (await c.post(f"{API}/auth/challenges")).json()
        nonce, difficulty, expires, signature = issued["challenge_id"].split(".")
        easy = f"{nonce}.1.{expires}.{signature}"
        forged = [
            {"challenge_id": easy, "solution": solve(nonce, 1)},
            {
                "challenge_id": issued["challenge_id"],
                "solution": "1" if solve(nonce, difficulty := int(difficulty)) != "1" else "2",
            },
            {"challenge_id": "not.a.challenge", "solution": "7"},
            {"challenge_id": "挑战", "solution": "7"},
        ]
        for answer in forged:
            refused = await try_login(c, owner.email, PASSWORD, **answer)
            assert refused.status_code == 401 and refused.json()["code"] == "challenge_failed", answer

        answer = {"challenge_id": issued["challenge_id"], "solution": solve(nonce, difficulty)}
        assert (await try_login(c, owner.email, WRONG, **answer)).json()["code"] == "invalid_credentials"
    async with client_at(app_ctx, "203.0.114.9") as other:
        replayed = await try_login(other, owner.email, PASSWORD, **answer)
        assert replayed.json()["code"] == "challenge_failed"
        stale = await solved_challenge(other)
        clock.advance(timedelta(minutes=6))
        assert (await try_login(other, owner.email, PASSWORD, **stale)).json()["code"] == "challenge_failed"
        assert (
            await try_login(other, owner.email, PASSWORD, **await solved_challenge(other))
        ).status_code == 200


async def test_an_attack_from_several_networks_raises_an_alert_for_operators(
    client: httpx.AsyncClient, app_ctx: AppContext, admin: Account, clock: FrozenClock
) -> None:
    first = await register(client, "first.target@example.com")
    second = await register(client, "second.target@example.com")
    lone = await register(client, "lone.target@example.com")
    await attack(app_ctx, lone.email, ["198.51.100.7"], 8)  # one network: no alert
    await attack(app_ctx, first.email, ["198.51.100.7", "203.0.113.7", "192.0.2.7"], 3)
    clock.advance(timedelta(minutes=1))
    await attack(app_ctx, second.email, ["198.51.100.8", "203.0.113.8", "192.0.2.8", "100.64.0.8"], 4)
    await attack(app_ctx, "ghost@example.com", ["198.51.100.9", "203.0.113.9", "192.0.2.9"], 3)

    page = await client.get(f"{API}/admin/login-alerts", headers=admin.headers, params={"limit": 1})
    assert page.status_code == 200, page.text
    newest = page.json()
    assert [a["email"] for a in newest["items"]] == [second.email]
    assert newest["items"][0]["networks"] >= 3 and newest["next_cursor"]
    rest = await client.get(
        f"{API}/admin/login-alerts",
        headers=admin.headers,
        params={"limit": 1, "cursor": newest["next_cursor"]},
    )
    assert [a["user_id"] for a in rest.json()["items"]] == [first.id]
    assert rest.json()["items"][0]["networks"] == 3 and rest.json()["next_cursor"] is None

    assert (await client.get(f"{API}/admin/login-alerts", headers=first.headers)).status_code == 403
    bad_cursor = await client.get(f"{API}/admin/login-alerts", headers=admin.headers, params={"cursor": "x"})
    assert bad_cursor.status_code == 422


async def test_phone_formats_share_one_account_and_one_limit(
    client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    owner = await register(client, "phone.owner@example.com")
    async with app_ctx.database.uow() as uow:
        await uow.session.execute(
            update(User)
            .where(User.id == owner.id)
            .values(
                phone_lookup=app_ctx.keyring.lookup_hash("+8613800138000"),
                phone_ciphertext=app_ctx.keyring.encrypt("+8613800138000"),
            )
        )
        await uow.commit()
    variants = ["138 0013 8000", "+86 138-0013-8000", "13800138000"]
    for login in variants:
        signed_in = await try_login(client, login, PASSWORD)
        assert signed_in.status_code == 200, (login, signed_in.text)
        assert signed_in.json()["user"]["id"] == owner.id
    async with client_at(app_ctx, "198.51.100.7") as attacker:
        codes = [(await try_login(attacker, login, WRONG)).json()["code"] for login in variants * 2]
    assert codes == ["invalid_credentials"] * 5 + ["challenge_required"]
    assert (await try_login(client, " Phone.Owner@Example.COM ", PASSWORD)).status_code == 200
