"""Password hashing, opaque tokens, keyed lookups and encryption of personal data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("jishi-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password. With no hash, spend the same time and answer False.

    Used so that a login for an unknown account costs as much as a wrong password.
    """
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256 digest; they carry 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


class Keyring:
    """Keys derived from the application secret, one per purpose (HKDF)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._aead = AESGCM(self.derive(b"jishi/pii-encryption/v1"))
        self._lookup_key = self.derive(b"jishi/pii-lookup/v1")
        self._csrf_key = self.derive(b"jishi/csrf/v1")

    def derive(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(self._secret)

    def encrypt(self, plaintext: str) -> str:
        """AES-256-GCM with a random nonce; the result is ASCII for a text column."""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, ciphertext: str) -> str:
        version, _, data = ciphertext.partition(".")
        if version != "v1":
            raise ValueError("unknown ciphertext version")
        raw = base64.urlsafe_b64decode(data.encode())
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()

    def lookup_hash(self, value: str) -> str:
        """A keyed hash for finding rows by an encrypted value (email, phone)."""
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self._csrf_key, session_id.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, session_id: str, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf_token(session_id), presented)


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """``alice@example.com`` → ``a***@example.com``; the domain stays (it names no one)."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return "*" * len(local)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``, as a waybill shows a recipient; one character is all masked."""
    name = name.strip()
    if len(name) < 2:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)
