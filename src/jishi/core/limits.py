"""Guards applied before routing: body size, and NUL characters in the URL.

A NUL cannot be stored in PostgreSQL text and has no business in an id or a
query, so ``%00`` anywhere in the path or query string is refused up front.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jishi.core.errors import PROBLEM_JSON, AppError, FieldError, negotiate_locale, problem_body


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(scope, send, headers, AppError("payload_too_large"))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(scope, send, headers, AppError("payload_too_large"))


async def _reject(scope: Scope, send: Send, headers: dict[bytes, bytes], error: AppError) -> None:
    locale = negotiate_locale(headers.get(b"accept-language", b"").decode("latin-1"))
    request_id = scope.get("state", {}).get("request_id")
    problem = problem_body(error, locale, instance=scope.get("path", ""), request_id=request_id)
    body = json.dumps(problem, ensure_ascii=False).encode()
    content_headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": content_headers})
    await send({"type": "http.response.body", "body": body})


def _nul_error(part: str) -> AppError:
    return AppError(
        "validation_error",
        field_errors=[
            FieldError(part, "nul_character", "不能包含空字符。", "must not contain NUL characters")
        ],
    )


class _TooLarge(Exception):
    pass
