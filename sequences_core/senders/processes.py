"""SES sends spread over worker processes, for when boto3's own CPU per call is the limit.

One process runs one GIL: boto3 spends ~1 ms of CPU on every `send_email`, and the
dispatcher composing the next batch shares that GIL. With `SEQUENCES_SEND_PROCESSES` > 1
each batch is split across that many worker processes, each with its own client and thread
pool, and the account's send rate split evenly between them, so the cap still holds in sum.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from sequences_core.senders import Outcome, OutgoingEmail, SendResult

if TYPE_CHECKING:
    from sequences_core.config import Settings
    from sequences_core.senders.ses import SesSender

_worker: SesSender | None = None  # the worker process's own sender


def _start(settings: Settings, credentials: dict[str, str | None] | None) -> None:
    import boto3

    from sequences_core.wiring import build_ses_sender

    global _worker
    session = boto3.session.Session(**credentials) if credentials else None
    _worker = build_ses_sender(settings, session)


def _ready(_: int) -> bool:
    return _worker is not None


def _send(emails: Sequence[OutgoingEmail]) -> list[SendResult]:
    assert _worker is not None, "worker not started"
    return _worker.send_batch(emails)


class ProcessPoolSender:
    name = "ses"

    def __init__(self, settings: Settings, processes: int, session: Any | None = None) -> None:
        """`session` (inside Airflow, the AWS hook's) lends its current credentials to the
        workers, frozen: they last as long as the task that built this sender."""
        credentials = None
        if session is not None:
            frozen = session.get_credentials().get_frozen_credentials()
            credentials = {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
                "region_name": session.region_name,
            }
        share = dataclasses.replace(
            settings, send_processes=1, ses_max_send_rate=settings.ses_max_send_rate / processes
        )
        self.processes = processes
        self._pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded process
            initializer=_start,
            initargs=(share, credentials),
        )
        # Start every worker now (spawning imports for a second or two), not in the first batch.
        list(self._pool.map(_ready, range(processes)))

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        size = -(-len(emails) // self.processes)  # ceiling: one chunk per worker
        chunks = [emails[i : i + size] for i in range(0, len(emails), size)]
        return [result for chunk in self._pool.map(_send, chunks) for result in chunk]

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        # As SesSender: SES cannot be asked by our id; its Send event settles it.
        return SendResult(execution_id, Outcome.UNKNOWN)
