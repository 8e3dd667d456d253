import stat
from pathlib import Path

import pytest

from jishi.settings import InsecureConfigurationError, Settings


def test_embedded_defaults_live_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'jishi.db'}"
    assert settings.redis_url is None


def test_plain_urls_get_async_drivers() -> None:
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


def test_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path).secret
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(var_dir=tmp_path).secret == first
    assert len(first) >= 32


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JISHI_ENV", "test")
    monkeypatch.setenv("JISHI_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("JISHI_SECRET_KEY", "s" * 40)
    settings = Settings()
    assert (settings.env, settings.redis_url, settings.secret) == (
        "test",
        "redis://127.0.0.1:6379/3",
        b"s" * 40,
    )


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({}, "JISHI_SECRET_KEY is not set"),
        ({"secret_key": "short"}, "shorter than"),
        ({"secret_key": "k" * 40, "debug": True}, "JISHI_DEBUG"),
        ({"secret_key": "k" * 40}, "sandbox"),
    ],
)
def test_production_refuses_development_defaults(overrides: dict[str, object], complaint: str) -> None:
    settings = Settings(env="production", **overrides)  # type: ignore[arg-type]
    with pytest.raises(InsecureConfigurationError, match=complaint):
        settings.check_production_safety()


def test_production_starts_when_configured() -> None:
    Settings(env="production", secret_key="k" * 40, payments_sandbox=False).check_production_safety()
