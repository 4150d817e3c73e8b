"""The signature every webhook call carries, in the shape Stripe and Svix use:

    Sequences-Signature: t=1767225600,v1=5257a869e7ec…(64 hex digits)

`v1` is the hex HMAC-SHA256, keyed with the step's secret, of `<t>.<raw body>`. The
timestamp inside the signed text lets a receiver refuse a replayed call (older than its
tolerance); the scheme name leaves room for a `v2` beside `v1` without breaking receivers,
and a receiver accepts any `v1` that matches, so a secret can be rotated with both in the
header. docs/webhooks.md shows a receiver's check in ten lines (a test runs it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

SIGNATURE_HEADER = "Sequences-Signature"
TOLERANCE_SECONDS = 300
_STAMP = re.compile(r"[0-9]{1,12}")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The header's value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` signs exactly `body` with `secret`, at most `tolerance` seconds from
    `now` (either way: clocks differ). For receivers written in Python, and for our tests."""
    fields = [part.strip().partition("=") for part in header.split(",")]
    stamp = next((value for key, _, value in fields if key == "t"), "")
    if not _STAMP.fullmatch(stamp):
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        return False
    expected = signature(secret, int(stamp), body).encode()
    return any(
        hmac.compare_digest(expected, value.encode()) for key, _, value in fields if key == "v1"
    )
