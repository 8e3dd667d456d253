"""Rules of reaching buyers' personal data: through a virtual number, and always on the record.

A shop sees masked contacts (``orders.service.contact_for_shop``). When someone must call the
buyer (the courier at the door), the shop asks for a virtual number bound to the buyer's real
one for a while; each such reach, like any other reach for full personal data, writes a row of
``personal_data_access`` in the transaction that reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime
from sqlalchemy import select

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition
from jishi.core.security import Keyring
from jishi.orders import service as orders
from jishi.privacy.models import PersonalDataAccess, PrivacyNumberBinding
from jishi.privacy.providers import LocalNumberPool, VirtualNumberProvider


@dataclass(frozen=True)
class Access:
    """Who reached whose data, and from where (``ip`` as the request came)."""

    actor_id: str
    ip: str
    shop_id: str | None = None


@dataclass(frozen=True)
class VirtualNumber:
    order_id: str
    number: str
    expires_at: datetime


def provider_for(ctx: AppContext) -> VirtualNumberProvider:
    return LocalNumberPool(ctx.settings.privacy_number_prefix)


def record_access(
    uow: UnitOfWork,
    access: Access,
    *,
    kind: str,
    subject_kind: str,
    subject_id: str,
    data_subject_id: str | None,
) -> None:
    """Write the access to the log; it commits, or not, with the access itself."""
    uow.session.add(
        PersonalDataAccess(
            actor_id=access.actor_id,
            shop_id=access.shop_id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            data_subject_id=data_subject_id,
            kind=kind,
            ip=access.ip[:64],
            created_at=uow.now(),
        )
    )


async def virtual_number_for_order(
    uow: UnitOfWork, ctx: AppContext, access: Access, order_id: str
) -> VirtualNumber:
    """A number that rings the buyer of a shop's order (联系买家); a live binding is reused."""
    assert access.shop_id is not None
    buyer = await orders.buyer_to_reach(uow, ctx, access.shop_id, order_id)
    binding = await _live_binding(uow, order_id)
    if binding is None:
        binding = await _bind(uow, ctx, buyer, access)
    record_access(
        uow,
        access,
        kind="buyer_phone",
        subject_kind="order",
        subject_id=order_id,
        data_subject_id=buyer.buyer_id,
    )
    answer = VirtualNumber(order_id, binding.virtual_number, binding.expires_at)
    await uow.commit()
    return answer


async def _live_binding(uow: UnitOfWork, order_id: str) -> PrivacyNumberBinding | None:
    binding: PrivacyNumberBinding | None = await uow.session.scalar(
        select(PrivacyNumberBinding)
        .where(PrivacyNumberBinding.order_id == order_id, PrivacyNumberBinding.expires_at > uow.now())
        .order_by(PrivacyNumberBinding.expires_at.desc())
        .limit(1)
    )
    return binding


async def _bind(
    uow: UnitOfWork, ctx: AppContext, buyer: orders.ReachableBuyer, access: Access
) -> PrivacyNumberBinding:
    provider = provider_for(ctx)
    now = uow.now()
    expires_at = now + timedelta(seconds=ctx.settings.privacy_number_ttl_seconds)
    number = await provider.bind(uow, real_phone=buyer.phone, expires_at=expires_at)
    binding = PrivacyNumberBinding(
        order_id=buyer.order_id,
        shop_id=buyer.shop_id,
        provider=provider.name,
        virtual_number=number,
        real_phone_ciphertext=ctx.keyring.encrypt(buyer.phone),
        created_by=access.actor_id,
        created_at=now,
        expires_at=expires_at,
    )
    uow.session.add(binding)
    return binding


class AccessPosition(CursorPosition):
    at: AwareDatetime
    id: CursorId


ACCESS_LOG_CURSOR = CursorCodec("personal_data_access", AccessPosition)
SHOP_ACCESS_LOG_CURSOR = CursorCodec("shop_personal_data_access", AccessPosition)


async def access_log(
    uow: UnitOfWork, keyring: Keyring, *, shop_id: str | None, limit: int, cursor: str | None
) -> tuple[list[PersonalDataAccess], str | None]:
    """Accesses to personal data, newest first: all of them, or one shop's."""
    query = (
        select(PersonalDataAccess)
        .order_by(PersonalDataAccess.created_at.desc(), PersonalDataAccess.id.desc())
        .limit(limit + 1)
    )
    if shop_id is not None:
        query = query.where(PersonalDataAccess.shop_id == shop_id)
    codec = ACCESS_LOG_CURSOR if shop_id is None else SHOP_ACCESS_LOG_CURSOR
    after = codec.decode(keyring, cursor)
    if after is not None:
        at, last_id = after.at, after.id
        query = query.where(
            (PersonalDataAccess.created_at < at)
            | ((PersonalDataAccess.created_at == at) & (PersonalDataAccess.id < last_id))
        )
    rows = list(await uow.session.scalars(query))
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = codec.encode(keyring, AccessPosition(at=page[-1].created_at, id=page[-1].id))
    return page, next_cursor
