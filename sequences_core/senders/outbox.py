"""Writes each email as an .eml file under var/outbox/: the default for `make run`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from sequences_core.senders import Outcome, OutgoingEmail, SendResult


class OutboxSender:
    name = "outbox"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, execution_id: uuid.UUID) -> Path:
        return self.directory / f"{execution_id}.eml"

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        results = []
        for email in emails:
            final = self._path(email.execution_id)
            temp = final.with_suffix(".tmp")
            temp.write_bytes(email.raw)
            os.replace(temp, final)  # atomic: the file exists only once complete
            results.append(
                SendResult(email.execution_id, Outcome.SENT, f"outbox-{email.execution_id}")
            )
        return results

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        if self._path(execution_id).exists():
            return SendResult(execution_id, Outcome.SENT, f"outbox-{execution_id}")
        return SendResult(execution_id, Outcome.RETRY)
