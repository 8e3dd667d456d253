"""Limits on failed sign-ins that an attacker cannot turn against an account's owner.

A hard lock per account (five failures, then nobody gets in) lets anyone who knows an email
keep its owner out. Instead, as the large platforms do:

- failures are counted per (account, address) and per address; over either limit that
  address is refused (429) for the rest of the window, and nobody else is;
- after a few failures on an account from anywhere, a login from a network the owner has
  not signed in from must solve a challenge first (``accounts.challenge``); the owner's
  usual networks (the /24 or /48 of each successful login, remembered 90 days) are spared;
- when an account crosses that threshold from several networks, it is an attack worth an
  operator's look: the caller writes a login alert.

Counters live in the cache, in fixed windows. An address over a limit is marked blocked
until its window ends, so the check before a login reads one flag and counts nothing.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from jishi.core.context import AppContext
from jishi.core.errors import AppError

KNOWN_NETWORK_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class LoginAttempt:
    """Who tries to sign in where: ``account`` is the user's id, or the keyed hash of a
    login that names nobody (it is limited all the same, and answers all the same)."""

    account: str
    ip: str

    @property
    def network(self) -> str:
        return network_of(self.ip)


def network_of(ip: str) -> str:
    """The /24 of an IPv4 address, the /48 of an IPv6 one (a household's or an office's)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


async def check(ctx: AppContext, attempt: LoginAttempt) -> bool:
    """Refuse a blocked address (429); answer whether this login must solve a challenge."""
    for key in (_ip_key(attempt), _pair_key(attempt)):
        await _refuse_if_blocked(ctx, key)
    if await ctx.cache.get(f"login:challenge:{attempt.account}") is None:
        return False
    return not await is_known_network(ctx, attempt)


async def record_failure(ctx: AppContext, attempt: LoginAttempt) -> bool:
    """Count a wrong password; answers whether to raise a login alert (see ``_alert_due``)."""
    settings = ctx.settings
    await _count(ctx, _ip_key(attempt), settings.login_attempts_per_ip)
    await _count(ctx, _pair_key(attempt), settings.login_failures_per_account_and_ip)
    failures, left = await ctx.cache.incr(f"login:fail:{attempt.account}", settings.login_window_seconds)
    networks = await _count_network(ctx, attempt)
    if failures < settings.login_challenge_after_failures:
        return False
    await ctx.cache.set(f"login:challenge:{attempt.account}", b"1", left)
    return await _alert_due(ctx, attempt, networks)


async def record_unsolved(ctx: AppContext, attempt: LoginAttempt) -> bool:
    """Count a login refused for want of a solved challenge: its network joins those
    trying the account. Answers whether to raise a login alert."""
    return await _alert_due(ctx, attempt, await _count_network(ctx, attempt))


async def _alert_due(ctx: AppContext, attempt: LoginAttempt, networks: int) -> bool:
    """Whether the account, past the challenge threshold, is tried from several networks
    and no alert was raised for it in this window."""
    if networks < ctx.settings.login_alert_networks:
        return False
    alerts, _ = await ctx.cache.incr(f"login:alerted:{attempt.account}", ctx.settings.login_window_seconds)
    return alerts == 1


async def record_success(ctx: AppContext, attempt: LoginAttempt) -> None:
    """Remember the network as the owner's, and forget this address's failures on the account."""
    await ctx.cache.set(_known_key(attempt), b"1", KNOWN_NETWORK_SECONDS)
    pair = _pair_key(attempt)
    await ctx.cache.delete(f"login:fail:{pair}", f"login:block:{pair}")


async def is_known_network(ctx: AppContext, attempt: LoginAttempt) -> bool:
    return await ctx.cache.get(_known_key(attempt)) is not None


async def failing_networks(ctx: AppContext, account: str) -> int:
    """How many networks failed on the account in the current window."""
    stored = await ctx.cache.get(f"login:fail-networks:{account}")
    return int(stored) if stored else 0


def _ip_key(attempt: LoginAttempt) -> str:
    return f"ip:{attempt.ip}"


def _pair_key(attempt: LoginAttempt) -> str:
    return f"pair:{attempt.account}:{attempt.ip}"


def _known_key(attempt: LoginAttempt) -> str:
    return f"login:known:{attempt.account}:{attempt.network}"


async def _count(ctx: AppContext, key: str, limit: int) -> None:
    """Count one failure; at the limit, block the key until its window ends."""
    failures, left = await ctx.cache.incr(f"login:fail:{key}", ctx.settings.login_window_seconds)
    if failures >= limit:
        await ctx.cache.set(f"login:block:{key}", str(time.time() + left).encode(), left)


async def _refuse_if_blocked(ctx: AppContext, key: str) -> None:
    until = await ctx.cache.get(f"login:block:{key}")
    if until is not None:
        retry_after = max(1, int(float(until) - time.time()) + 1)
        raise AppError(
            "too_many_attempts", retry_after=retry_after, headers={"Retry-After": str(retry_after)}
        )


async def _count_network(ctx: AppContext, attempt: LoginAttempt) -> int:
    """Count the attempt's network among those that failed on the account in this window;
    answers how many there are (approximate under concurrency, which an alert can bear)."""
    window = ctx.settings.login_window_seconds
    first, _ = await ctx.cache.incr(f"login:fail-network:{attempt.account}:{attempt.network}", window)
    networks = await failing_networks(ctx, attempt.account)
    if first == 1:
        networks += 1
        await ctx.cache.set(f"login:fail-networks:{attempt.account}", str(networks).encode(), window)
    return networks
