"""Runtime settings, read from ``JISHI_*`` environment variables.

The defaults describe the embedded mode: one process, a SQLite file and an
in-process cache under ``./var`` relative to the working directory, so several
instances can live side by side.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

_SECRET_FILE = "secret_key"  # noqa: S105 (a file name)
_MIN_SECRET_LENGTH = 32


class InsecureConfigurationError(RuntimeError):
    """Raised when production mode is asked to start with development defaults."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JISHI_", extra="ignore")

    env: Environment = "development"
    debug: bool = False
    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    payments_sandbox: bool = True
    web_dist: Path = Path("web/dist")
    public_base_url: str = "http://127.0.0.1:8000"
    # Where stored media is served from: "/media" (this app, from <var_dir>/media),
    # or a CDN / object-storage address such as "https://img.example.com/media".
    media_url: str = "/media"

    access_token_ttl_seconds: int = 2 * 3600
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Failed logins (accounts.guard): per address across accounts, per (account, address),
    # and on an account from anywhere before a login from a new network must solve a
    # challenge of login_challenge_bits of proof of work. All counted in login_window_seconds.
    login_attempts_per_ip: int = 30
    login_failures_per_account_and_ip: int = 10
    login_challenge_after_failures: int = 5
    login_challenge_bits: int = 14
    login_challenge_ttl_seconds: int = 5 * 60
    login_alert_networks: int = 3
    login_window_seconds: int = 15 * 60
    registrations_per_ip: int = 5
    registration_window_seconds: int = 3600
    invitation_ttl_seconds: int = 7 * 24 * 3600

    # Unpaid orders are cancelled after this (待付款超时); shipped ones complete after auto_complete.
    order_payment_timeout_seconds: int = 30 * 60
    order_auto_complete_seconds: int = 10 * 24 * 3600
    # Virtual numbers (隐私号) a shop's courier calls instead of the buyer's: the local pool's
    # prefix (the rest of the 11 digits vary) and how long one stays bound to a buyer.
    privacy_number_prefix: Annotated[str, Field(pattern=r"^[0-9]{3,10}$")] = "1700000"
    privacy_number_ttl_seconds: Annotated[int, Field(gt=0)] = 3 * 24 * 3600

    # Uploaded images: pictures above this many pixels are refused from their header, before
    # decoding (a decoded picture takes 3–4 bytes a pixel, several times over while it is
    # processed); at most this many are decoded at once per process.
    image_max_pixels: int = Field(default=40_000_000, ge=1)
    image_decodes_at_once: int = Field(default=2, ge=1)

    # PostgreSQL connections per process; requests beyond it wait for one. Keep
    # processes × pool below the server's max_connections.
    database_pool_size: int = 20
    run_jobs_in_process: bool = True
    outbox_poll_seconds: float = 1.0
    log_json: bool = True
    log_level: str = "INFO"
    cache_prefix: str = "jishi:"
    cookie_secure: bool | None = None

    @model_validator(mode="after")
    def _normalise(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'jishi.db'}"
        self.database_url = normalise_database_url(self.database_url)
        if self.redis_url == "":
            self.redis_url = None
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env == "production"

    @cached_property
    def secret(self) -> bytes:
        """The key material every signature and encryption key is derived from."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return _load_or_create_secret(self.var_dir).encode()

    def check_production_safety(self) -> None:
        """Refuse to run production with development defaults."""
        if self.env != "production":
            return
        problems: list[str] = []
        if self.secret_key is None:
            problems.append("JISHI_SECRET_KEY is not set")
        elif len(self.secret_key.get_secret_value()) < _MIN_SECRET_LENGTH:
            problems.append(f"JISHI_SECRET_KEY is shorter than {_MIN_SECRET_LENGTH} characters")
        if self.debug:
            problems.append("JISHI_DEBUG is on")
        if self.payments_sandbox:
            problems.append("the sandbox payment gateway is on (set JISHI_PAYMENTS_SANDBOX=false)")
        if problems:
            raise InsecureConfigurationError("refusing to start in production: " + "; ".join(problems))


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def _load_or_create_secret(var_dir: Path) -> str:
    path = var_dir / _SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
    return value


def get_settings() -> Settings:
    return Settings()
