"""Virtual numbers (隐私号, as on 隐私面单): the seam to a carrier-grade number service.

A real provider (a telecom's AXN binding API) binds a number of its own pool to the buyer's
real one for a while; calls to it are forwarded and the real number never reaches the shop
or its courier. ``LocalNumberPool`` stands in for it on one machine: it hands out numbers of
a configured prefix that no live binding holds, and forwards nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError
from jishi.privacy.models import PrivacyNumberBinding

NUMBER_LENGTH = 11


class VirtualNumberProvider(Protocol):
    name: str

    async def bind(self, uow: UnitOfWork, *, real_phone: str, expires_at: datetime) -> str:
        """A number that rings ``real_phone`` until ``expires_at``."""
        ...


class LocalNumberPool:
    """Numbers ``<prefix><digits>`` (``170`` is a virtual-operator segment), each held by one
    live binding at a time."""

    name = "local"

    def __init__(self, prefix: str) -> None:
        if not prefix.isdigit() or not 3 <= len(prefix) < NUMBER_LENGTH:
            raise ValueError("the virtual number prefix must be 3 to 10 digits")
        self.prefix = prefix
        self.size = 10 ** (NUMBER_LENGTH - len(prefix))

    async def bind(self, uow: UnitOfWork, *, real_phone: str, expires_at: datetime) -> str:
        held = set(
            await uow.session.scalars(
                select(PrivacyNumberBinding.virtual_number).where(
                    PrivacyNumberBinding.expires_at > uow.now(),
                    PrivacyNumberBinding.virtual_number.startswith(self.prefix),
                )
            )
        )
        if len(held) >= self.size:
            raise AppError("virtual_numbers_exhausted")
        start = secrets.randbelow(self.size)
        width = NUMBER_LENGTH - len(self.prefix)
        for step in range(self.size):
            number = f"{self.prefix}{(start + step) % self.size:0{width}d}"
            if number not in held:
                return number
        raise AppError("virtual_numbers_exhausted")
