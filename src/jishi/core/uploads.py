"""Receiving one uploaded file from a ``multipart/form-data`` body, streamed to disk.

The body is parsed as it arrives: the file's bytes go to a temporary file in
chunks (written from a worker thread) and are counted, so an upload past its
limit is refused as soon as it passes it, and memory use stays at one chunk
whatever the file's size. The temporary file is removed when the ``async with``
block ends, whatever happened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from jishi.core.errors import AppError, invalid_field

_FLUSH_BYTES = 1024 * 1024
_MAX_OTHER_PART_BYTES = 1024


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    size: int
    filename: str
    # What the client claimed; never trusted, kept only for logs.
    declared_type: str


def upload_body_schema(field: str, description: str) -> dict[str, Any]:
    """The OpenAPI request body of a route that takes one file through ``receive_file``."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [field],
                        "properties": {
                            field: {"type": "string", "format": "binary", "description": description}
                        },
                    }
                }
            },
        }
    }


class _Receiver:
    """Callbacks for python-multipart: remembers the one file part's bytes."""

    def __init__(self, field: str, max_bytes: int, too_large: Callable[[], AppError]) -> None:
        self.field = field
        self.max_bytes = max_bytes
        self.too_large = too_large
        self.error: AppError | None = None
        self.pending = bytearray()
        self.size = 0
        self.filename = ""
        self.declared_type = ""
        self.file_seen = False
        self.file_complete = False
        self.other_parts = 0
        self._in_file = False
        self._other_bytes = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._content_type = b""

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def fail(self, error: AppError) -> None:
        if self.error is None:
            self.error = error

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._content_type = b""
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self._header_name.strip().lower()
        if name == b"content-disposition":
            self._disposition = self._header_value
        elif name == b"content-type":
            self._content_type = self._header_value
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name != self.field or b"filename" not in options:
            self.other_parts += 1  # refused once the body is read (or early, if it is long)
            return
        if self.file_seen:
            self.fail(
                invalid_field(self.field, "one_file_only", "只能上传一个文件。", "Send exactly one file.")
            )
            return
        self.file_seen = True
        self._in_file = True
        self.filename = options[b"filename"].decode("utf-8", "replace")[:255]
        self.declared_type = self._content_type.decode("latin-1")[:100]

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        length = end - start
        if not self._in_file:
            self._other_bytes += length
            if self._other_bytes > _MAX_OTHER_PART_BYTES:
                self.fail(self.unexpected())
            return
        self.size += length
        if self.size > self.max_bytes:
            self.fail(self.too_large())
            return
        self.pending += data[start:end]

    def on_part_end(self) -> None:
        if self._in_file:
            self.file_complete = True
            self._in_file = False

    def unexpected(self) -> AppError:
        return invalid_field(
            "body",
            "unexpected_field",
            f"只接受一个名为 {self.field} 的文件字段。",
            f"Only one file field named '{self.field}' is accepted.",
        )


@asynccontextmanager
async def receive_file(
    request: Request,
    *,
    field: str,
    max_bytes: int,
    too_large: Callable[[], AppError],
    directory: Path,
) -> AsyncIterator[ReceivedFile]:
    """Stream the file sent as ``field`` into a temporary file under ``directory``.

    Refuses (``AppError``) a body that is not multipart, has no such file, more
    than one, other fields, or a file over ``max_bytes`` (``too_large()``).
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise invalid_field(
            field,
            "multipart_required",
            "请以 multipart/form-data 上传文件。",
            "Send the file as multipart/form-data.",
        )
    receiver = _Receiver(field, max_bytes, too_large)
    await anyio.to_thread.run_sync(lambda: directory.mkdir(parents=True, exist_ok=True))
    fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            await _parse_into(request, MultipartParser(boundary, receiver.callbacks()), receiver, out)
        if not receiver.file_seen or not receiver.file_complete:
            raise invalid_field(field, "missing", "请选择要上传的文件。", "Choose a file to upload.")
        yield ReceivedFile(path, receiver.size, receiver.filename, receiver.declared_type)
    finally:
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


async def _parse_into(request: Request, parser: MultipartParser, receiver: _Receiver, out: BinaryIO) -> None:
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if receiver.error is not None:
                raise receiver.error
            if len(receiver.pending) >= _FLUSH_BYTES:
                await _flush(receiver, out)
        parser.finalize()
    except FormParserError as exc:
        raise invalid_field(
            "body", "malformed_multipart", "上传内容格式有误。", "The multipart body is malformed."
        ) from exc
    if receiver.error is not None:
        raise receiver.error
    if receiver.other_parts:
        raise receiver.unexpected()
    await _flush(receiver, out)


async def _flush(receiver: _Receiver, out: BinaryIO) -> None:
    if receiver.pending:
        data = bytes(receiver.pending)
        receiver.pending.clear()
        await anyio.to_thread.run_sync(out.write, data)
