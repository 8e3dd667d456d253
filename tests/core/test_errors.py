import pytest

from jishi.core.errors import CATALOG, AppError, negotiate_locale


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW", "zh-CN"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, zh;q=0.8", "zh-CN"),
        ("de", "zh-CN"),
        ("en;q=0", "zh-CN"),
        ("en;q=abc", "zh-CN"),
    ],
)
def test_locale_negotiation(header: str | None, locale: str) -> None:
    assert negotiate_locale(header) == locale


def test_every_code_has_both_languages_and_a_client_or_server_status() -> None:
    for code, kind in CATALOG.items():
        assert kind.zh and kind.en, code
        assert 400 <= kind.status < 600, code


def test_messages_are_filled_in() -> None:
    error = AppError("too_many_attempts", retry_after=30)
    assert error.detail("en") == "Too many attempts; try again in 30 seconds."
    assert "30" in error.detail("zh-CN")


def test_unknown_codes_are_a_programming_error() -> None:
    with pytest.raises(KeyError):
        AppError("no_such_code")
