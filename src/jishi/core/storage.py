"""Where uploaded files live: the ``Storage`` protocol and its local-folder backend.

Every stored object is addressed by a *key*: a relative, slash-separated path of
plain segments ending in a known extension (``images/01J…/large.webp``). Keys
are never reused for other content, so whatever serves them may cache them for
ever.

The seam for object storage: an S3-compatible backend implements the same six
methods (``put`` → ``PutObject`` with ``Content-Type`` from ``content_type_for``
and ``Cache-Control: IMMUTABLE``; ``read`` → ``GetObject``; ``stat`` →
``HeadObject`` with ``path=None``; ``delete``; ``exists``; ``url`` → the bucket's
or CDN's public address, set through ``JISHI_MEDIA_URL``) and is chosen in
``AppContext.build``. Nothing else changes: services only speak to ``Storage``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio.to_thread

IMMUTABLE = "public, max-age=31536000, immutable"

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
}

_SEGMENT = r"[A-Za-z0-9_-]{1,64}"
_KEY = re.compile(rf"^(?:{_SEGMENT}/){{0,6}}{_SEGMENT}\.(?:{'|'.join(CONTENT_TYPES)})$")
_COPY_CHUNK = 1024 * 1024


class InvalidKey(ValueError):
    """A key that is not of the form the storage accepts (it could escape the root)."""


def is_valid_key(key: str) -> bool:
    return len(key) <= 200 and _KEY.fullmatch(key) is not None


def content_type_for(key: str) -> str:
    if not is_valid_key(key):
        raise InvalidKey(key)
    return CONTENT_TYPES[key.rsplit(".", 1)[1]]


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str
    # Set when the object is a file on this machine, so it can be served with
    # sendfile and range requests; remote backends leave it None.
    path: Path | None = None


class Storage(Protocol):
    async def put(self, key: str, source: bytes | BinaryIO | Path) -> int:
        """Store ``source`` (bytes, a local file's path, or a binary file read from its
        current position) under ``key``; no reader ever sees it half-written. Returns the size."""
        ...

    async def read(self, key: str) -> bytes:
        """The whole object; ``FileNotFoundError`` when there is none."""
        ...

    async def stat(self, key: str) -> StoredObject | None:
        """Size and type of the object, or None when the key is unknown or invalid."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str:
        """The public address of the object (relative to the site, or absolute for a CDN)."""
        ...


class LocalStorage:
    """Objects as files under one folder (``<var_dir>/media`` by default).

    Writes go to a temporary file in the target folder and are renamed into
    place, so a reader never sees a partial file. Blocking file calls run in a
    worker thread. Folders are created on the first write, not at start-up.
    """

    def __init__(self, root: Path, base_url: str = "/media") -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    def path_for(self, key: str) -> Path:
        if not is_valid_key(key):
            raise InvalidKey(key)
        path = self.root / key
        # The key pattern already excludes "..", absolute paths and backslashes;
        # this second check keeps that promise even if the pattern is loosened.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey(key)
        return path

    async def put(self, key: str, source: bytes | BinaryIO | Path) -> int:
        path = self.path_for(key)
        return await anyio.to_thread.run_sync(_write_atomically, path, source)

    async def read(self, key: str) -> bytes:
        return await anyio.to_thread.run_sync(self.path_for(key).read_bytes)

    async def stat(self, key: str) -> StoredObject | None:
        try:
            path = self.path_for(key)
        except InvalidKey:
            return None

        def _stat() -> int | None:
            try:
                result = path.stat()
            except OSError:
                return None
            return result.st_size if path.is_file() else None

        size = await anyio.to_thread.run_sync(_stat)
        if size is None:
            return None
        return StoredObject(key=key, size=size, content_type=content_type_for(key), path=path)

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    def url(self, key: str) -> str:
        if not is_valid_key(key):
            raise InvalidKey(key)
        return f"{self.base_url}/{key}"


def _write_atomically(path: Path, source: bytes | BinaryIO | Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(source, bytes):
                out.write(source)
            elif isinstance(source, Path):
                with source.open("rb") as file:
                    shutil.copyfileobj(file, out, _COPY_CHUNK)
            else:
                shutil.copyfileobj(source, out, _COPY_CHUNK)
            size = out.tell()
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return size
