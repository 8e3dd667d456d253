"""The password policy (密码规则)."""

from __future__ import annotations

from jishi.core.errors import AppError, FieldError

# The most common passwords that still pass the length and letter+digit rules.
_COMMON = frozenset(
    {
        "password1",
        "password123",
        "passw0rd",
        "abc12345",
        "abcd1234",
        "qwerty123",
        "qwer1234",
        "1qaz2wsx",
        "a1234567",
        "a12345678",
        "aa123456",
        "zxcvbnm1",
        "iloveyou1",
        "woaini1314",
        "admin123",
        "admin1234",
        "123456abc",
        "1234qwer",
        "q1w2e3r4",
        "test1234",
        "letmein1",
        "welcome1",
        "p@ssw0rd",
        "123qwe123",
        "qwe123456",
        "asd123456",
        "zxc123456",
    }
)


def check_password_policy(password: str, *, email: str) -> None:
    """At least 8 characters (checked by the schema), a letter and a digit, not a
    well-known password, and not built on the email's user name."""
    lowered = password.lower()
    user_name = email.split("@")[0].lower()
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise _weak("密码须同时包含字母和数字。", "The password must contain letters and digits.")
    if lowered in _COMMON:
        raise _weak("密码过于常见，请换一个。", "The password is too common.")
    if len(user_name) >= 4 and user_name in lowered:
        raise _weak("密码不能包含邮箱用户名。", "The password must not contain the email's user name.")


def _weak(zh: str, en: str) -> AppError:
    return AppError("weak_password", field_errors=[FieldError("password", "weak_password", zh, en)])
