"""Signed tokens in tracking and unsubscribe links (key: SEQUENCES_SECRET_KEY).

A click token binds the execution, the link's index and a digest of its URL,
so the click endpoint can only ever redirect to a URL that was in that email,
without a database read per hit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

OPEN_MAC_BYTES = 12  # 96 bits: forging one open takes ~2**95 guesses
OPEN_TOKEN_CHARS = 38  # base64url of 16 + 12 bytes, unpadded


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Click:
    execution_id: uuid.UUID
    link_index: int


@dataclass(frozen=True)
class Unsubscribe:
    organization_id: uuid.UUID
    lead_id: uuid.UUID
    execution_id: uuid.UUID | None


class Tokens:
    def __init__(self, secret_key: str) -> None:
        # The open pixel is the hottest path we serve: its token is a bare HMAC over the
        # execution id (38 URL-safe characters), checked in a few microseconds.
        self._open_key = hashlib.sha256(b"sequences.open\0" + secret_key.encode()).digest()
        self._click = URLSafeTimedSerializer(secret_key, salt="sequences.click")
        self._unsubscribe = URLSafeTimedSerializer(secret_key, salt="sequences.unsubscribe")
        self._webhook = URLSafeTimedSerializer(secret_key, salt="sequences.webhook")

    def _open_mac(self, payload: bytes) -> bytes:
        return hmac.new(self._open_key, payload, hashlib.sha256).digest()[:OPEN_MAC_BYTES]

    def open_token(self, execution_id: uuid.UUID) -> str:
        raw = execution_id.bytes + self._open_mac(execution_id.bytes)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def click_token(self, execution_id: uuid.UUID, link_index: int, url: str) -> str:
        return self._click.dumps([execution_id.hex, link_index, url_digest(url)])

    def unsubscribe_token(
        self, organization_id: uuid.UUID, lead_id: uuid.UUID, execution_id: uuid.UUID | None
    ) -> str:
        return self._unsubscribe.dumps(
            [organization_id.hex, lead_id.hex, execution_id.hex if execution_id else None]
        )

    def read_open(self, token: str) -> uuid.UUID | None:
        if len(token) != OPEN_TOKEN_CHARS:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "==")
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 16 + OPEN_MAC_BYTES:
            return None
        execution_id = uuid.UUID(bytes=raw[:16])
        # Compare whole tokens, not decoded bytes: base64's spare bits must not give a
        # second spelling of a valid token.
        if not hmac.compare_digest(token, self.open_token(execution_id)):
            return None
        return execution_id

    def read_click(self, token: str, url: str, max_age: int | None = None) -> Click | None:
        """The click, only if the token is genuine and `url` is the link it was made for."""
        try:
            eid, index, digest = self._click.loads(token, max_age=max_age)
            if digest != url_digest(url) or not isinstance(index, int):
                return None
            return Click(uuid.UUID(hex=eid), index)
        except (BadData, ValueError, TypeError):
            return None

    def read_unsubscribe(self, token: str) -> Unsubscribe | None:
        """Unsubscribe links never expire: an opt-out must work however old the email is."""
        try:
            org, lead, eid = self._unsubscribe.loads(token)
            return Unsubscribe(
                uuid.UUID(hex=org), uuid.UUID(hex=lead), uuid.UUID(hex=eid) if eid else None
            )
        except (BadData, ValueError, TypeError):
            return None

    def webhook_token(self, organization_id: uuid.UUID) -> str:
        """For webhook URLs of services that cannot send our API key (Calendly, Zapier)."""
        return self._webhook.dumps(organization_id.hex)

    def read_webhook(self, token: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(hex=self._webhook.loads(token))
        except (BadData, ValueError, TypeError):
            return None
