"""Webhook signatures. Standard library only, so a department developer can copy
this file into the receiving system as it is.

    X-GridGov-Timestamp: 1767225600
    X-GridGov-Signature: sha256=<hex HMAC-SHA256 of b"1767225600." + raw body>

The timestamp is inside the signed text, so a captured request cannot be replayed
later than `tolerance` seconds after it was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_PREFIX = "sha256="


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The `X-GridGov-Signature` value for `body` sent at `timestamp` (unix seconds)."""
    message = _bytes(str(timestamp)) + b"." + _bytes(body)
    digest = hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: str | bytes,
    signature: str,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """True when `signature` is the HMAC of `timestamp.body` with `secret` and the
    timestamp lies within `tolerance` seconds of now (either side, for clock skew).

    Pass the raw request body exactly as received: re-serialized JSON does not match.
    """
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        return False
    if not isinstance(signature, str) or not signature.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
