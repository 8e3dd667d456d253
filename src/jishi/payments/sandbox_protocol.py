"""The sandbox gateway's published protocol: what a merchant needs to talk to it.

Like a real gateway's documentation and SDK, it is shared by the gateway
(``sandbox_gateway``) and the merchant side (``providers.sandbox``):

- merchant → gateway: JSON ``POST``s to ``/sandbox-gateway/api/<method>``, signed with
  HMAC-SHA256 under the merchant key over ``timestamp \\n path \\n body``;
- gateway → merchant: API answers and notifications, signed with the gateway's Ed25519
  key over the exact body bytes (base64 in the same header); the merchant verifies
  them with the gateway's public key.

Both keys are derived from the installation's secret, so they stay stable across restarts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jishi.core.security import Keyring

GATEWAY_PATH = "/sandbox-gateway"
API_PATH = f"{GATEWAY_PATH}/api"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_CLOCK_SKEW_SECONDS = 300


def merchant_key(keyring: Keyring) -> bytes:
    """The key the gateway issued to this merchant (商户密钥)."""
    return keyring.derive(b"jishi/sandbox-gateway/merchant-key/v1")


def gateway_signing_key(keyring: Keyring) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keyring.derive(b"jishi/sandbox-gateway/signing-key/v1"))


def gateway_public_key(keyring: Keyring) -> Ed25519PublicKey:
    """The gateway's published public key (平台公钥)."""
    return gateway_signing_key(keyring).public_key()


def request_signature(key: bytes, timestamp: str, path: str, body: bytes) -> str:
    message = b"\n".join((timestamp.encode(), path.encode(), body))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def request_signature_valid(key: bytes, timestamp: str, path: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(request_signature(key, timestamp, path, body), signature)


def sign_body(private_key: Ed25519PrivateKey, body: bytes) -> str:
    return base64.b64encode(private_key.sign(body)).decode()


def body_signature_valid(public_key: Ed25519PublicKey, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), body)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
