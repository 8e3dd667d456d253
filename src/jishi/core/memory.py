"""Giving freed memory back to the operating system.

glibc keeps memory freed by large, short-lived buffers (a decoded picture) in its
per-thread arenas; the process's resident size then stays at its peak for good.
``malloc_trim(0)`` returns those free pages. Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return free heap pages to the system; True when the C library can (glibc)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
