"""Events the accounts package publishes (see the event catalogue in docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar

from jishi.core.events import Event


class UserRegistered(Event):
    topic: ClassVar[str] = "user.registered"
    user_id: str


class RefreshTokenReplayed(Event):
    """An old refresh token came back: its session was revoked, the account may be stolen."""

    topic: ClassVar[str] = "auth.refresh_token_replayed"
    user_id: str
    session_id: str


class PasswordChanged(Event):
    topic: ClassVar[str] = "user.password_changed"
    user_id: str


class RoleGranted(Event):
    topic: ClassVar[str] = "user.role_granted"
    user_id: str
    role: str
