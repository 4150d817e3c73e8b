"""Senders: how a built email leaves. One interface, a batch method, three transports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class OutgoingEmail:
    execution_id: uuid.UUID
    organization_id: uuid.UUID
    from_email: str
    to_email: str
    raw: bytes


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # not sent; safe to try again later
    FAILED = "failed"  # permanently refused
    UNKNOWN = "unknown"  # may or may not have gone: never resend blindly


@dataclass(frozen=True)
class SendResult:
    execution_id: uuid.UUID
    outcome: Outcome
    provider_message_id: str | None = None
    error: str | None = None


class Sender(Protocol):
    name: str

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]: ...

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        """Did this execution's email go? UNKNOWN where the transport cannot tell."""
        ...
