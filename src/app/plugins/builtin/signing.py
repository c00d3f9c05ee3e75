"""HMAC-SHA256 signatures of webhook deliveries, over `"<timestamp>." + body`.

Receivers verify with the shared secret and reject old timestamps, so a captured request can
neither be altered nor replayed later. `verify` is all a Python receiver needs.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `signature` was made with `secret` over this body within `tolerance` seconds."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    signed_at = int(timestamp)
    if abs((time.time() if now is None else now) - signed_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, signed_at, body), signature)
