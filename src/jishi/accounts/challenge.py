"""The challenge a login must pass once an account is under attack (人机验证).

``Captcha`` is the seam: a hosted CAPTCHA can stand in for the self-hosted proof of work
here. The proof of work asks the client to find a counter such that
``sha256(nonce + counter)`` starts with ``difficulty`` zero bits: about 2**difficulty hashes,
a blink for one login in a browser, a real cost for thousands of guesses. The challenge is
stateless (its id carries the nonce, the difficulty and the expiry, signed with HMAC); only a
solved one is remembered, until it expires, so it serves a single login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from jishi.core.context import AppContext

_KEY_PURPOSE = b"jishi/login-challenge/v1"
_MAX_SOLUTION_DIGITS = 20


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: str
    difficulty: int
    expires_at: datetime


class Captcha(Protocol):
    async def issue(self, ctx: AppContext) -> Challenge: ...

    async def verify(self, ctx: AppContext, challenge_id: str, solution: str) -> bool:
        """Whether the solution is right, in time, and the challenge's first use."""
        ...


class ProofOfWork:
    async def issue(self, ctx: AppContext) -> Challenge:
        nonce = secrets.token_hex(16)
        difficulty = ctx.settings.login_challenge_bits
        expires_at = ctx.clock.now() + timedelta(seconds=ctx.settings.login_challenge_ttl_seconds)
        payload = f"{nonce}.{difficulty}.{int(expires_at.timestamp())}"
        return Challenge(f"{payload}.{_sign(ctx, payload)}", nonce, difficulty, expires_at)

    async def verify(self, ctx: AppContext, challenge_id: str, solution: str) -> bool:
        parsed = _parse(ctx, challenge_id)
        if parsed is None:
            return False
        nonce, difficulty, expires_at = parsed
        now = ctx.clock.now()
        if expires_at <= now or difficulty < ctx.settings.login_challenge_bits:
            return False
        if not (solution.isdigit() and len(solution) <= _MAX_SOLUTION_DIGITS):
            return False
        if leading_zero_bits(hashlib.sha256((nonce + solution).encode()).digest()) < difficulty:
            return False
        uses, _ = await ctx.cache.incr(f"login:challenge-used:{nonce}", _seconds_left(expires_at, now))
        return uses == 1


def _sign(ctx: AppContext, payload: str) -> str:
    return hmac.new(ctx.keyring.derive(_KEY_PURPOSE), payload.encode(), hashlib.sha256).hexdigest()


def _parse(ctx: AppContext, challenge_id: str) -> tuple[str, int, datetime] | None:
    """The nonce, difficulty and expiry of a challenge id this application signed."""
    payload, _, signature = challenge_id.rpartition(".")
    if not hmac.compare_digest(_sign(ctx, payload).encode(), signature.encode()):
        return None
    nonce, difficulty, expires = payload.split(".")
    return nonce, int(difficulty), datetime.fromtimestamp(int(expires), UTC)


def _seconds_left(expires_at: datetime, now: datetime) -> int:
    return max(1, int((expires_at - now).total_seconds()) + 1)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


CAPTCHA: Captcha = ProofOfWork()
