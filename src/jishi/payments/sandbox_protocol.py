"""The sandbox gateway's published protocol: what a merchant needs to talk to it.

Like a real gateway's documentation and SDK, it is shared by the gateway
(``sandbox_gateway``) and the merchant side (``providers.sandbox``):

- merchant → gateway: JSON ``POST``s to ``/sandbox-gateway/api/<method>``, signed with
  HMAC-SHA256 under the merchant key over ``timestamp \\n path \\n body``;
- gateway → merchant: API answers and notifications, each signed with its own Ed25519
  key of the gateway over the exact body bytes (base64 in the same header); the merchant
  verifies an answer only with the answer key and a notification only with the
  notification key, so a signed answer replayed to the notification route is a bad
  signature, not a notification.

This module holds only what both sides agree on; each side signs and verifies with code of
its own. All keys are derived from the installation's secret, so they stay stable across
restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jishi.core.security import Keyring

GATEWAY_PATH = "/sandbox-gateway"
API_PATH = f"{GATEWAY_PATH}/api"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_CLOCK_SKEW_SECONDS = 300


def merchant_key(keyring: Keyring) -> bytes:
    """The key the gateway issued to this merchant (商户密钥)."""
    return keyring.derive(b"jishi/sandbox-gateway/merchant-key/v1")


@dataclass(frozen=True)
class GatewayPublicKeys:
    """The gateway's published public keys (平台公钥), one per purpose."""

    answers: Ed25519PublicKey
    notifications: Ed25519PublicKey
