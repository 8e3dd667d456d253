"""Guards applied before routing: body size, and NUL characters in the URL.

A NUL cannot be stored in PostgreSQL text and has no business in an id or a
query, so ``%00`` anywhere in the path or query string is refused up front.

Bodies are capped at ``max_bytes`` (1 MiB of JSON); an upload route that needs
more declares a ``BodyAllowance`` (a path pattern, its own cap and the error to
answer), and must still count the bytes it reads itself. A declared
``Content-Length`` over the cap is refused before a byte is read; a chunked body is
counted as it arrives and refused when it passes the cap: reading it then fails
inside the application, and the guard answers 413 in place of whatever the
application would have answered (FastAPI reports any failure to read a JSON body as
a parse error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jishi.core.errors import (
    PROBLEM_JSON,
    AppError,
    invalid_field,
    negotiate_locale,
    problem_body,
)


@dataclass(frozen=True)
class BodyAllowance:
    """A larger body cap for the requests whose method and path match."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    too_large: Callable[[], AppError]


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, allowances: Sequence[BodyAllowance] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowances = tuple(allowances)

    def _limit(self, scope: Scope) -> tuple[int, Callable[[], AppError]]:
        for allowance in self.allowances:
            if scope.get("method") == allowance.method and allowance.path.fullmatch(scope.get("path", "")):
                return allowance.max_bytes, allowance.too_large
        return self.max_bytes, _payload_too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        for part in ("path", "query"):
            raw: bytes = scope.get("raw_path" if part == "path" else "query_string") or b""
            if b"%00" in raw or b"\x00" in raw:
                await _reject(scope, send, headers, _nul_error(part))
                return
        max_bytes, too_large = self._limit(scope)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _reject(scope, send, headers, too_large())
            return
        received = 0
        exceeded = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def answer(message: Message) -> None:
            # Whatever the application made of the interrupted read (a JSON parser's
            # error, a 500), the answer to an over-cap body is the 413.
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered:
                answered = True
                await _reject(scope, send, headers, too_large())

        try:
            await self.app(scope, limited_receive, answer)
        except _TooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not answered:
            await _reject(scope, send, headers, too_large())


async def _reject(scope: Scope, send: Send, headers: dict[bytes, bytes], error: AppError) -> None:
    locale = negotiate_locale(headers.get(b"accept-language", b"").decode("latin-1"))
    request_id = scope.get("state", {}).get("request_id")
    problem = problem_body(error, locale, instance=scope.get("path", ""), request_id=request_id)
    body = json.dumps(problem, ensure_ascii=False).encode()
    content_headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": content_headers})
    await send({"type": "http.response.body", "body": body})


def _payload_too_large() -> AppError:
    return AppError("payload_too_large")


def _nul_error(part: str) -> AppError:
    return invalid_field(part, "nul_character", "不能包含空字符。", "must not contain NUL characters")


class _TooLarge(Exception):
    pass
