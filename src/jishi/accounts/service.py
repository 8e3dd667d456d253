"""Business rules of accounts: registration, login, sessions, profile, addresses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime
from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from jishi.accounts import events, guard
from jishi.accounts.challenge import CAPTCHA, Challenge
from jishi.accounts.identifiers import is_email, normalise_login
from jishi.accounts.identifiers import normalise_email as normalise_email  # shops uses it
from jishi.accounts.models import Address, AuthSession, LoginAlert, User, UserRole
from jishi.accounts.passwords import check_password_policy
from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork, rowcount
from jishi.core.errors import AppError, FieldError, NotFound, invalid_field
from jishi.core.ids import new_id
from jishi.core.pagination import CursorCodec, CursorId, CursorPosition
from jishi.core.security import (
    Keyring,
    hash_password,
    mask_phone,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password,
)

MAX_ADDRESSES = 50


@dataclass(frozen=True)
class UserView:
    id: str
    email: str
    nickname: str
    status: str
    platform_roles: frozenset[str]
    created_at: object


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from a bearer token or the session cookie."""

    user_id: str
    session_id: str
    platform_roles: frozenset[str]
    via_cookie: bool

    def has_role(self, role: str) -> bool:
        return role in self.platform_roles


@dataclass(frozen=True)
class IssuedTokens:
    user: UserView
    session_id: str
    access_token: str
    refresh_token: str
    expires_in: int


def _view(user: User, keyring: Keyring, roles: frozenset[str]) -> UserView:
    return UserView(
        id=user.id,
        email=keyring.decrypt(user.email_ciphertext),
        nickname=user.nickname,
        status=user.status,
        platform_roles=roles,
        created_at=user.created_at,
    )


RoleSource = Callable[[UnitOfWork, str], Awaitable[set[str]]]
_role_sources: list[RoleSource] = []


def add_role_source(source: RoleSource) -> None:
    """Another package's roles to report in ``/me`` (shops: ``shop_owner``, ``shop_staff``);
    wired by ``jishi.bootstrap``, so accounts needs no package that needs accounts."""
    if source not in _role_sources:
        _role_sources.append(source)


async def other_roles(uow: UnitOfWork, user_id: str) -> set[str]:
    """The roles other packages give this user."""
    roles: set[str] = set()
    for source in _role_sources:
        roles |= await source(uow, user_id)
    return roles


async def platform_roles(uow: UnitOfWork, user_id: str) -> frozenset[str]:
    rows = await uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return frozenset(rows.all())


async def get_user(uow: UnitOfWork, ctx: AppContext, user_id: str) -> UserView:
    user = await uow.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return _view(user, ctx.keyring, await platform_roles(uow, user_id))


async def users_by_id(uow: UnitOfWork, ctx: AppContext, user_ids: set[str]) -> dict[str, UserView]:
    """Several users in one query (no roles), for lists that show who did what."""
    if not user_ids:
        return {}
    users = await uow.session.scalars(select(User).where(User.id.in_(user_ids)))
    return {u.id: _view(u, ctx.keyring, frozenset()) for u in users}


async def find_user_id_by_email(uow: UnitOfWork, ctx: AppContext, email: str) -> str | None:
    lookup = ctx.keyring.lookup_hash(normalise_email(email))
    return await uow.session.scalar(select(User.id).where(User.email_lookup == lookup))


async def create_user(
    uow: UnitOfWork, ctx: AppContext, *, email: str, password: str, nickname: str | None
) -> User:
    email = normalise_email(email)
    check_password_policy(password, email=email)
    lookup = ctx.keyring.lookup_hash(email)
    password_hash = hash_password(password)  # hashed even when the email is taken: same cost
    if await uow.session.scalar(select(User.id).where(User.email_lookup == lookup)):
        raise AppError(
            "email_taken",
            field_errors=[
                FieldError("email", "email_taken", "该邮箱已注册。", "This email is already registered.")
            ],
        )
    now = uow.now()
    user_id = new_id()
    user = User(
        id=user_id,
        email_lookup=lookup,
        email_ciphertext=ctx.keyring.encrypt(email),
        password_hash=password_hash,
        nickname=nickname or f"用户{user_id[-6:]}",  # never derived from the email
        status="active",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(user)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same email won
        raise AppError("email_taken") from exc
    uow.publish(events.UserRegistered(user_id=user.id))
    return user


async def register(
    uow: UnitOfWork,
    ctx: AppContext,
    *,
    email: str,
    password: str,
    nickname: str | None,
    ip: str | None,
    user_agent: str,
    client: str,
) -> IssuedTokens:
    """Create a buyer and sign them in. Sign-ups are limited per client address (a taken
    email answers 409, so the limit is also what keeps anyone from testing many emails);
    ``ip`` is None only for callers inside the platform (seeding, benchmarks)."""
    if ip is not None:
        await _count_registration(ctx, ip)
    user = await create_user(uow, ctx, email=email, password=password, nickname=nickname)
    tokens = await _open_session(uow, ctx, user, frozenset(), user_agent=user_agent, client=client)
    await uow.commit()
    if ip is not None:
        await guard.record_success(ctx, guard.LoginAttempt(user.id, ip))
    return tokens


@dataclass(frozen=True)
class ChallengeAnswer:
    challenge_id: str
    solution: str


async def login(
    uow: UnitOfWork,
    ctx: AppContext,
    *,
    login: str,
    password: str,
    ip: str,
    user_agent: str,
    client: str,
    challenge: ChallengeAnswer | None = None,
) -> IssuedTokens:
    """Check credentials. Unknown login and wrong password look the same, in answer and
    in time; failures are limited per address and per (account, address), and an account
    under attack asks for a challenge from networks its owner has not used (``guard``)."""
    normalised = normalise_login(login)
    user = await _find_by_login(uow, ctx, normalised)
    attempt = guard.LoginAttempt(user.id if user else ctx.keyring.lookup_hash(normalised), ip)
    if await guard.check(ctx, attempt) and not await _solved(ctx, challenge):
        if await guard.record_unsolved(ctx, attempt) and user is not None:
            await _raise_login_alert(uow, ctx, user.id, attempt)
        raise AppError("challenge_failed" if challenge else "challenge_required")
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if await guard.record_failure(ctx, attempt) and user is not None:
            await _raise_login_alert(uow, ctx, user.id, attempt)
        raise AppError("invalid_credentials")
    if user.status != "active":
        raise AppError("account_disabled")
    await guard.record_success(ctx, attempt)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = uow.now()
    tokens = await _open_session(
        uow, ctx, user, await platform_roles(uow, user.id), user_agent=user_agent, client=client
    )
    await uow.commit()
    return tokens


async def _solved(ctx: AppContext, challenge: ChallengeAnswer | None) -> bool:
    return challenge is not None and await CAPTCHA.verify(ctx, challenge.challenge_id, challenge.solution)


async def _count_registration(ctx: AppContext, ip: str) -> None:
    allowed, retry_after = await ctx.rate_limiter.hit(
        f"register:ip:{ip}",
        limit=ctx.settings.registrations_per_ip,
        window_seconds=ctx.settings.registration_window_seconds,
    )
    if not allowed:
        raise AppError("rate_limited", retry_after=retry_after, headers={"Retry-After": str(retry_after)})


async def _find_by_login(uow: UnitOfWork, ctx: AppContext, normalised: str) -> User | None:
    lookup = ctx.keyring.lookup_hash(normalised)
    column = User.email_lookup if is_email(normalised) else User.phone_lookup
    return await uow.session.scalar(select(User).where(column == lookup))


async def _raise_login_alert(
    uow: UnitOfWork, ctx: AppContext, user_id: str, attempt: guard.LoginAttempt
) -> None:
    """Record that the account is attacked from several networks (its own transaction:
    the login itself fails)."""
    uow.session.add(
        LoginAlert(
            user_id=user_id,
            networks=await guard.failing_networks(ctx, attempt.account),
            last_network=attempt.network,
            created_at=uow.now(),
        )
    )
    await uow.commit_now()  # the alert stands although the login is refused


@dataclass(frozen=True)
class LoginAlertView:
    id: str
    user_id: str
    email: str
    networks: int
    last_network: str
    created_at: datetime


class AlertPosition(CursorPosition):
    at: AwareDatetime
    id: CursorId


LOGIN_ALERTS_CURSOR = CursorCodec("login_alerts", AlertPosition)


async def list_login_alerts(
    uow: UnitOfWork, ctx: AppContext, *, limit: int, cursor: str | None
) -> tuple[list[LoginAlertView], str | None]:
    """Login alerts, newest first, for the platform's operators."""
    query = (
        select(LoginAlert, User.email_ciphertext)
        .join(User, User.id == LoginAlert.user_id)
        .order_by(LoginAlert.created_at.desc(), LoginAlert.id.desc())
        .limit(limit + 1)
    )
    after = LOGIN_ALERTS_CURSOR.decode(ctx.keyring, cursor)
    if after is not None:
        at, last_id = after.at, after.id
        query = query.where(
            (LoginAlert.created_at < at) | ((LoginAlert.created_at == at) & (LoginAlert.id < last_id))
        )
    rows = (await uow.session.execute(query)).all()
    page = [
        LoginAlertView(a.id, a.user_id, ctx.keyring.decrypt(email), a.networks, a.last_network, a.created_at)
        for a, email in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        position = AlertPosition(at=page[-1].created_at, id=page[-1].id)
        next_cursor = LOGIN_ALERTS_CURSOR.encode(ctx.keyring, position)
    return page, next_cursor


async def issue_challenge(ctx: AppContext) -> Challenge:
    return await CAPTCHA.issue(ctx)


async def _open_session(
    uow: UnitOfWork,
    ctx: AppContext,
    user: User,
    roles: frozenset[str],
    *,
    user_agent: str,
    client: str,
) -> IssuedTokens:
    access, refresh = new_token("jat"), new_token("jrt")
    now = uow.now()
    session = AuthSession(
        user_id=user.id,
        access_digest=token_digest(access),
        refresh_digest=token_digest(refresh),
        access_expires_at=now + timedelta(seconds=ctx.settings.access_token_ttl_seconds),
        refresh_expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds),
        created_at=now,
        last_used_at=now,
        user_agent=user_agent[:255],
        client=client,
    )
    uow.session.add(session)
    await uow.session.flush()
    return IssuedTokens(
        _view(user, ctx.keyring, roles), session.id, access, refresh, ctx.settings.access_token_ttl_seconds
    )


async def refresh(uow: UnitOfWork, ctx: AppContext, refresh_token: str) -> IssuedTokens:
    """Rotate a session's tokens. A replayed old refresh token revokes the session."""
    digest = token_digest(refresh_token)
    now = uow.now()
    session = await uow.session.scalar(select(AuthSession).where(AuthSession.refresh_digest == digest))
    if session is None:
        replayed = await uow.session.scalar(
            select(AuthSession).where(AuthSession.previous_refresh_digest == digest)
        )
        if replayed is not None and replayed.revoked_at is None:
            replayed.revoked_at = now
            uow.publish(events.RefreshTokenReplayed(user_id=replayed.user_id, session_id=replayed.id))
            await uow.commit_now()  # the revocation stands although the request is refused
        raise AppError("invalid_token")
    if session.revoked_at is not None or session.refresh_expires_at <= now:
        raise AppError("invalid_token")
    user = await uow.session.get(User, session.user_id)
    if user is None or user.status != "active":
        raise AppError("invalid_token")
    access, new_refresh = new_token("jat"), new_token("jrt")
    rotated = await uow.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session.id, AuthSession.refresh_digest == digest)
        .values(
            access_digest=token_digest(access),
            refresh_digest=token_digest(new_refresh),
            previous_refresh_digest=digest,
            access_expires_at=now + timedelta(seconds=ctx.settings.access_token_ttl_seconds),
            last_used_at=now,
        )
    )
    if rowcount(rotated) != 1:  # a concurrent refresh won
        raise AppError("invalid_token")
    await uow.commit()
    roles = await platform_roles(uow, user.id)
    return IssuedTokens(
        _view(user, ctx.keyring, roles),
        session.id,
        access,
        new_refresh,
        ctx.settings.access_token_ttl_seconds,
    )


# Built once: every signed-in request runs it, so it is compiled (and prepared) once.
_PRINCIPAL = (
    select(AuthSession.id, AuthSession.user_id, UserRole.role)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == AuthSession.user_id)
    .where(
        AuthSession.access_digest == bindparam("digest"),
        AuthSession.revoked_at.is_(None),
        AuthSession.access_expires_at > bindparam("now"),
        User.status == "active",
    )
)


async def authenticate(uow: UnitOfWork, access_token: str, *, via_cookie: bool) -> Principal | None:
    """Resolve an access token to its caller, or None when it is unknown, expired or revoked.

    One query with the platform roles joined in (a row per role, one with NULL for none):
    every signed-in request pays for it."""
    rows = (await uow.execute(_PRINCIPAL, {"digest": token_digest(access_token), "now": uow.now()})).all()
    if not rows:
        return None
    session_id, user_id, _ = rows[0]
    roles = frozenset(role for _, _, role in rows if role is not None)
    return Principal(user_id, session_id, roles, via_cookie)


async def revoke_session(uow: UnitOfWork, user_id: str, session_id: str) -> None:
    result = await uow.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=uow.now())
    )
    if rowcount(result) != 1:
        raise NotFound()
    await uow.commit()


async def list_sessions(uow: UnitOfWork, user_id: str) -> list[AuthSession]:
    now = uow.now()
    rows = await uow.session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.refresh_expires_at > now,
        )
        .order_by(AuthSession.created_at.desc())
        .limit(100)
    )
    return list(rows)


async def update_profile(uow: UnitOfWork, ctx: AppContext, user_id: str, *, nickname: str) -> UserView:
    user = await uow.session.get(User, user_id)
    if user is None:
        raise NotFound()
    user.nickname = nickname
    user.updated_at = uow.now()
    await uow.commit()
    return _view(user, ctx.keyring, await platform_roles(uow, user_id))


async def change_password(
    uow: UnitOfWork,
    user_id: str,
    keep_session_id: str,
    *,
    current: str,
    new: str,
    email: str,
) -> None:
    """Change the password and sign out every other session."""
    user = await uow.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not verify_password(user.password_hash, current):
        raise AppError(
            "invalid_credentials",
            field_errors=[
                FieldError(
                    "current_password",
                    "invalid_credentials",
                    "当前密码错误。",
                    "The current password is wrong.",
                )
            ],
        )
    check_password_policy(new, email=email)
    user.password_hash = hash_password(new)
    user.updated_at = uow.now()
    await uow.session.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.id != keep_session_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=uow.now())
    )
    uow.publish(events.PasswordChanged(user_id=user_id))
    await uow.commit()


async def grant_role(uow: UnitOfWork, user_id: str, role: str) -> None:
    exists = await uow.session.get(UserRole, (user_id, role))
    if exists is None:
        uow.session.add(UserRole(user_id=user_id, role=role, granted_at=uow.now()))
        uow.publish(events.RoleGranted(user_id=user_id, role=role))


PLATFORM_STAFF_NICKNAMES = {"platform_admin": "平台管理员", "customer_service": "平台客服"}


async def ensure_admin(
    uow: UnitOfWork, ctx: AppContext, *, email: str, password: str, role: str = "platform_admin"
) -> tuple[str, bool]:
    """Create a platform staff account (admin or customer service), or grant the
    role to an existing user. Returns (id, created)."""
    if role not in PLATFORM_STAFF_NICKNAMES:
        raise ValueError(f"not a platform role: {role}")
    user_id = await find_user_id_by_email(uow, ctx, email)
    created = user_id is None
    if user_id is None:
        user = await create_user(
            uow, ctx, email=email, password=password, nickname=PLATFORM_STAFF_NICKNAMES[role]
        )
        user_id = user.id
    await grant_role(uow, user_id, role)
    await uow.commit()
    return user_id, created


# ---- addresses (收货地址) ----------------------------------------------------------------


@dataclass(frozen=True)
class AddressView:
    id: str
    recipient: str
    phone: str
    phone_masked: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool
    created_at: object


def _address_view(address: Address | Row[*tuple[Any, ...]], keyring: Keyring) -> AddressView:
    phone = keyring.decrypt(address.phone_ciphertext)
    return AddressView(
        id=address.id,
        recipient=keyring.decrypt(address.recipient_ciphertext),
        phone=phone,
        phone_masked=mask_phone(phone),
        province=address.province,
        city=address.city,
        district=address.district,
        detail=keyring.decrypt(address.detail_ciphertext),
        is_default=address.is_default,
        created_at=address.created_at,
    )


@dataclass(frozen=True)
class AddressFields:
    """What a buyer writes on an address form."""

    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


def _fill(address: Address, fields: AddressFields, keyring: Keyring) -> None:
    """Copy the form onto the row; the contact details are stored encrypted."""
    address.recipient_ciphertext = keyring.encrypt(fields.recipient)
    address.phone_ciphertext = keyring.encrypt(fields.phone)
    address.province, address.city, address.district = fields.province, fields.city, fields.district
    address.detail_ciphertext = keyring.encrypt(fields.detail)


async def _clear_default(uow: UnitOfWork, user_id: str) -> None:
    await uow.session.execute(update(Address).where(Address.user_id == user_id).values(is_default=False))


async def add_address(uow: UnitOfWork, ctx: AppContext, user_id: str, fields: AddressFields) -> AddressView:
    count = await uow.session.scalar(select(func.count()).where(Address.user_id == user_id)) or 0
    if count >= MAX_ADDRESSES:
        raise invalid_field(
            "body",
            "too_many_addresses",
            f"最多保存 {MAX_ADDRESSES} 个地址。",
            f"At most {MAX_ADDRESSES} addresses can be saved.",
        )
    is_default = fields.is_default or count == 0
    if is_default:
        await _clear_default(uow, user_id)
    address = Address(user_id=user_id, is_default=is_default, created_at=uow.now())
    _fill(address, fields, ctx.keyring)
    uow.session.add(address)
    await uow.commit()
    return _address_view(address, ctx.keyring)


async def list_addresses(uow: UnitOfWork, ctx: AppContext, user_id: str) -> list[AddressView]:
    rows = await uow.session.scalars(
        select(Address)
        .where(Address.user_id == user_id)
        .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id)
    )
    return [_address_view(a, ctx.keyring) for a in rows]


_ADDRESS = select(*Address.__table__.c).where(
    Address.__table__.c.id == bindparam("id"), Address.__table__.c.user_id == bindparam("user_id")
)


async def get_address(uow: UnitOfWork, ctx: AppContext, user_id: str, address_id: str) -> AddressView:
    """One of the user's addresses (checkout reads it on every submit: a Core row, no ORM)."""
    address = (await uow.execute(_ADDRESS, {"id": address_id, "user_id": user_id})).first()
    if address is None:
        raise NotFound()
    return _address_view(address, ctx.keyring)


async def update_address(
    uow: UnitOfWork, ctx: AppContext, user_id: str, address_id: str, fields: AddressFields
) -> AddressView:
    """Replace an address's fields (编辑地址). Orders already placed keep the copy they took."""
    address = await uow.session.get(Address, address_id)
    if address is None or address.user_id != user_id:
        raise NotFound()
    if fields.is_default and not address.is_default:
        await _clear_default(uow, user_id)
    _fill(address, fields, ctx.keyring)
    address.is_default = fields.is_default
    await uow.commit()
    return _address_view(address, ctx.keyring)


async def delete_address(uow: UnitOfWork, user_id: str, address_id: str) -> None:
    """Delete an address; if it was the default, the most recent other one becomes the default."""
    address = await uow.session.get(Address, address_id)
    if address is None or address.user_id != user_id:
        raise NotFound()
    await uow.session.delete(address)
    await uow.session.flush()
    if address.is_default:
        successor = await uow.session.scalar(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.created_at.desc(), Address.id.desc())
            .limit(1)
        )
        if successor is not None:
            successor.is_default = True
    await uow.commit()
