"""LocalStorage: atomic writes, reads, deletes and keys that cannot leave the root."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jishi.core.storage import InvalidKey, LocalStorage, content_type_for


async def test_put_read_stat_delete(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media", base_url="https://img.example.com/media/")
    assert not (tmp_path / "media").exists()  # nothing is created before the first write
    assert await storage.put("images/abc/original.jpg", b"jpeg bytes") == 10
    source = tmp_path / "clip"
    source.write_bytes(b"x" * 3000)
    assert await storage.put("videos/abc.mp4", source) == 3000
    assert await storage.put("images/abc/thumb.webp", io.BytesIO(b"webp")) == 4
    assert await storage.read("images/abc/original.jpg") == b"jpeg bytes"
    stat = await storage.stat("videos/abc.mp4")
    assert stat is not None and stat.size == 3000 and stat.content_type == "video/mp4"
    assert storage.url("images/abc/thumb.webp") == "https://img.example.com/media/images/abc/thumb.webp"
    assert not [p for p in (tmp_path / "media").rglob(".incoming-*")]
    await storage.delete("images/abc/original.jpg")
    await storage.delete("images/abc/original.jpg")  # already gone: fine
    assert not await storage.exists("images/abc/original.jpg")
    with pytest.raises(FileNotFoundError):
        await storage.read("images/abc/original.jpg")


@pytest.mark.parametrize(
    "key",
    [
        "../secret.jpg",
        "images/../../secret.jpg",
        "/etc/passwd.jpg",
        "images\\x.jpg",
        "images/x.txt",
        "images/x",
        "images//x.jpg",
        "images/.hidden.jpg",
        "",
        "a/" * 10 + "x.jpg",
    ],
)
async def test_keys_that_could_escape_or_are_unknown_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path)
    assert await storage.stat(key) is None
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x")
    with pytest.raises(InvalidKey):
        content_type_for(key)
    assert _entries(tmp_path) == []


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir())
