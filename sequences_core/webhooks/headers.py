"""The headers of a webhook call: ours, the step's own, which of those are reserved, and
which are secret (never shown by the API once saved).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sequences_core.webhooks.signing import SIGNATURE_HEADER

USER_AGENT = "Sequences-Webhook/1"
# Headers every call sets itself (besides User-Agent, which a step may replace): a step's
# own headers may not name them, since a receiver relies on them meaning what we say, and
# the framing ones (length, encoding, connection) would corrupt the request.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "transfer-encoding",
        "host",
        "connection",
        "idempotency-key",
        SIGNATURE_HEADER.lower(),
    }
)
# Names that usually carry a credential: their values are masked without being marked.
_SECRET_NAME = re.compile(r"auth|token|secret|key|passw|cookie|session|signature|credential")


def is_secret_header(name: str, marked: Iterable[str] = ()) -> bool:
    """Whether a step's header holds a credential: marked so, or named like one."""
    lower = name.lower()
    return lower in {m.lower() for m in marked} or bool(_SECRET_NAME.search(lower))


def request_headers(
    own: Mapping[str, str], *, idempotency_key: str, signature: str
) -> dict[str, str]:
    """Ours around the step's own: the step may replace User-Agent and nothing reserved
    (names compared without case, as HTTP does)."""
    merged = {"user-agent": ("User-Agent", USER_AGENT)}
    merged["accept-encoding"] = ("Accept-Encoding", "identity")  # raw bytes: no zip bombs
    for name, value in own.items():
        if name.lower() not in RESERVED_HEADERS:
            merged[name.lower()] = (name, value)
    merged["content-type"] = ("Content-Type", "application/json")
    merged["idempotency-key"] = ("Idempotency-Key", idempotency_key)
    merged[SIGNATURE_HEADER.lower()] = (SIGNATURE_HEADER, signature)
    return dict(merged.values())
