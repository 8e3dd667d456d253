"""Error codes of the accounts package."""

from __future__ import annotations

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "challenge_required": ErrorKind(
        401,
        "请先完成人机验证再登录。",
        "Solve the challenge before signing in.",
    ),
    "challenge_failed": ErrorKind(
        401,
        "人机验证未通过或已失效，请重新获取。",
        "The challenge was not solved, has expired or was already used; get a new one.",
    ),
    "rate_limited": ErrorKind(
        429,
        "操作过于频繁，请 {retry_after} 秒后再试。",
        "Too many requests; try again in {retry_after} seconds.",
    ),
}
