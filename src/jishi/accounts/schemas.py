"""API shapes of the accounts package."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from jishi.core.schemas import NonBlank, StrictBody
from jishi.core.validation import BilingualValueError

Role = Literal["buyer", "shop_owner", "shop_staff", "platform_admin", "customer_service"]
PLATFORM_ROLES: tuple[str, ...] = ("platform_admin", "customer_service")

PASSWORD_MIN, PASSWORD_MAX = 8, 128
# A mainland mobile number (spaces and dashes anywhere), or any number in digits, spaces and
# dashes. ASCII digits only, and no trailing newline (Python's ``\d`` and ``$`` allow both).
PHONE_PATTERN = r"^(?:\+?[0-9][0-9 -]{5,19}|[ -]*1[ -]*[3-9](?:[ -]*[0-9]){9}[ -]*)$"
_PHONE = re.compile(PHONE_PATTERN)


def _check_phone(value: str) -> str:
    compact = value.replace(" ", "").replace("-", "")
    if not _PHONE.fullmatch(value):
        raise BilingualValueError("invalid_phone", "not a valid phone number", "手机号格式不正确")
    return compact


Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
Nickname = Annotated[NonBlank, Field(max_length=100)]
Email = Annotated[EmailStr, Field(max_length=254)]
Phone = Annotated[
    str, Field(max_length=20, json_schema_extra={"pattern": PHONE_PATTERN}), AfterValidator(_check_phone)
]
ShortText = Annotated[NonBlank, Field(max_length=50)]


class RegisterIn(StrictBody):
    email: Email
    password: Password
    nickname: Nickname | None = None


class LoginIn(StrictBody):
    login: Annotated[str, Field(min_length=1, max_length=254, description="Email or phone")]
    password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]
    challenge_id: Annotated[
        str | None, Field(max_length=200, description="From POST /auth/challenges, when asked")
    ] = None
    solution: Annotated[
        str | None, Field(max_length=20, description="The counter that solves the challenge")
    ] = None


class ChallengeOut(BaseModel):
    """Find a decimal counter such that sha256(nonce + counter) starts with ``difficulty``
    zero bits, and send it as ``solution`` with ``challenge_id`` in the login."""

    challenge_id: str
    algorithm: Literal["sha256-leading-zero-bits"] = "sha256-leading-zero-bits"
    nonce: str
    difficulty: int
    expires_at: datetime


class LoginAlertOut(BaseModel):
    id: str
    user_id: str
    email: str
    networks: int
    last_network: str
    created_at: datetime


class RefreshIn(StrictBody):
    refresh_token: Annotated[str | None, Field(max_length=200)] = None


class UserOut(BaseModel):
    id: str
    email: str
    nickname: str
    roles: list[Role]
    created_at: datetime


class TokenOut(BaseModel):
    user: UserOut
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int


class ProfileUpdateIn(StrictBody):
    nickname: Nickname


class PasswordChangeIn(StrictBody):
    current_password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]
    new_password: Password


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_used_at: datetime
    user_agent: str
    client: str
    current: bool


class AddressIn(StrictBody):
    recipient: Annotated[NonBlank, Field(max_length=50)]
    phone: Phone
    province: ShortText
    city: ShortText
    district: ShortText
    detail: Annotated[NonBlank, Field(max_length=200)]
    is_default: bool = False


class AddressOut(BaseModel):
    id: str
    recipient: str
    phone: str
    phone_masked: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool
    created_at: datetime
