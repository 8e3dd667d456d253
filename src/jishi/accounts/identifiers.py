"""How a login names an account: emails and phone numbers in one canonical form.

Every place that keys on a login (the account lookup, the login limits) uses these, so
"138 0013 8000", "+86 138-0013-8000" and "13800138000" are one account and one count.
"""

from __future__ import annotations

import phonenumbers

PHONE_REGION = "CN"  # a number without a country code is a mainland one


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str | None:
    """The number in E.164 (``+8613800138000``), or None when it cannot be a phone number."""
    try:
        number = phonenumbers.parse(phone, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_login(login: str) -> str:
    """An email lower-cased and stripped; anything else as a phone number in E.164 when it
    is one, else lower-cased and stripped (it names no account, but still counts as one)."""
    value = login.strip().lower()
    if "@" in value:
        return value
    return normalise_phone(value) or value


def is_email(login: str) -> bool:
    return "@" in login
