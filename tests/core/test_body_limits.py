"""A body over the cap is 413 ``payload_too_large``, whether its length is declared or it
comes in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

LOGIN = "/api/v1/auth/login"
JSON = {"Content-Type": "application/json"}
MIB = 1024 * 1024


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    yield b'{"login": "a@example.com", "password": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


async def test_a_chunked_body_over_the_cap_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, content=_chunks(2 * MIB), headers=JSON)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "payload_too_large"


async def test_a_declared_length_over_the_cap_is_413(client: httpx.AsyncClient) -> None:
    body = b'{"login": "a@example.com", "password": "' + b"x" * (2 * MIB) + b'"}'
    response = await client.post(LOGIN, content=body, headers=JSON)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


async def test_a_chunked_body_under_the_cap_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, content=_chunks(4096), headers=JSON)
    assert response.status_code == 422  # read and judged: the password is too long
    assert response.json()["code"] == "validation_error"
