"""SES sends spread over worker processes, for when boto3's own CPU per call is the limit.

One process runs one GIL: boto3 spends ~1 ms of CPU on every `send_email`, and the
dispatcher composing the next batch shares that GIL. With `SEQUENCES_SEND_PROCESSES` > 1
(by default when the account's send rate is more than one process drives) each large batch
is split across that many worker processes, each with its own client and thread pool, and
the account's send rate split evenly between them, so the cap still holds in sum.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from sequences_core.senders import OutgoingEmail, SendResult

if TYPE_CHECKING:
    from sequences_core.runtime.config import Settings
    from sequences_core.senders.ses import SesSender

_worker: SesSender | None = None  # the worker process's own sender


def _start(settings: Settings, credentials: dict[str, str | None] | None) -> None:
    import boto3

    from sequences_core.senders.ses import SesSender

    global _worker
    session = boto3.session.Session(**credentials) if credentials else None
    _worker = SesSender.from_settings(settings, session)


def _ready(_: int) -> bool:
    return _worker is not None


def _send(emails: Sequence[OutgoingEmail]) -> list[SendResult]:
    assert _worker is not None, "worker not started"
    return _worker.send_batch(emails)


class ProcessPoolSender:
    """Large batches split over worker processes; small ones sent here, by `local`.

    The workers start with the first batch of `spread_from` emails or more: spawning them
    costs a second or two of imports, more than one process takes to send a few hundred.
    `send_batch` is called by one thread at a time (the cycle's sender), so the local sender
    and the workers never send at once and each may use the whole rate cap's share it has.
    """

    name = "ses"

    def __init__(
        self,
        settings: Settings,
        processes: int,
        session: Any | None = None,
        spread_from: int = 200,
    ) -> None:
        """`session` (inside Airflow, the AWS hook's) lends its current credentials to the
        workers, frozen: they last as long as the task that built this sender."""
        from sequences_core.senders.ses import SesSender

        self.local = SesSender.from_settings(settings, session)
        self.processes, self.spread_from = processes, spread_from
        self._credentials: dict[str, str | None] | None = None
        if session is not None:
            frozen = session.get_credentials().get_frozen_credentials()
            self._credentials = {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
                "region_name": session.region_name,
            }
        self._share = dataclasses.replace(
            settings, send_processes=1, ses_max_send_rate=settings.ses_max_send_rate / processes
        )
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded process
                initializer=_start,
                initargs=(self._share, self._credentials),
            )
            list(self._pool.map(_ready, range(self.processes)))  # every worker up before a send
        return self._pool

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        if len(emails) < self.spread_from:
            return self.local.send_batch(emails)
        size = -(-len(emails) // self.processes)  # ceiling: one chunk per worker
        chunks = [emails[i : i + size] for i in range(0, len(emails), size)]
        return [result for chunk in self._workers().map(_send, chunks) for result in chunk]

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        return self.local.lookup(execution_id)
