"""The fault-injecting SES stand-in (benchmarks/support/ses_standin.py), driven through our real
`SesSender` and boto3's sesv2 client, as `make chaos` will drive it."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from benchmarks.support.ses_standin import Faults, SesStandin, read_records
from sequences_core.senders import Outcome, OutgoingEmail, SendResult
from sequences_core.senders.ses import SesIdentityCheck, SesSender, client_config

ORG = uuid.UUID(int=1)


def email(i: int, sender: str = "dana@sender.example") -> OutgoingEmail:
    """Fixed ids, so a seeded run meets the same fates every time."""
    execution = uuid.UUID(int=1000 + i)
    raw = (
        f"From: Dana <{sender}>\r\nTo: lead{i}@lead.example\r\nSubject: Hello {i}\r\n"
        f"Message-ID: <{execution.hex}@sender.example>\r\n"
        f"X-Sequences-Execution: {execution.hex}\r\n\r\nHi lead {i}\r\n"
    ).encode()
    return OutgoingEmail(execution, ORG, sender, f"lead{i}@lead.example", raw)


def client(endpoint: str) -> Any:
    """As `SesSender.from_settings` builds it: botocore's own retries off."""
    return boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=client_config(4),
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def sender(standin: SesStandin, attempts: int = 4, backoff: float = 0.01) -> SesSender:
    return SesSender(
        client(standin.endpoint),
        configuration_set="sequences",
        threads=4,
        max_per_second=10_000,
        attempts=attempts,
        backoff_base=backoff,
    )


def by_execution(tmp: Path) -> Counter[str]:
    return Counter(r["x_sequences_execution"] for r in read_records(tmp))


def test_accepted_messages_are_recorded_on_disk_before_the_answer(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    with SesStandin(record, keep_raw=True) as standin:
        emails = [email(i) for i in range(5)]
        results = sender(standin).send_batch(emails)
        on_disk = read_records(record)  # read while serving: each line was synced first
        assert standin.stats()["sent"] == 5
    assert [r.outcome for r in results] == [Outcome.SENT] * 5
    assert len(on_disk) == 5
    sent = {r.execution_id.hex: r.provider_message_id for r in results}
    for line in on_disk:
        execution = line["x_sequences_execution"]
        i = [e.execution_id.hex for e in emails].index(execution)
        assert line["message_id"] == sent[execution]
        assert line["answer"] == "sent" and line["attempt"] == 1
        assert line["tags"] == {"execution_id": execution, "org_id": ORG.hex}
        assert (line["from"], line["to"]) == ("dana@sender.example", [f"lead{i}@lead.example"])
        assert line["configuration_set"] == "sequences"
        assert line["subject"] == f"Hello {i}"
        assert line["message_id_header"] == f"<{execution}@sender.example>"
        assert base64.b64decode(line["raw"]) == emails[i].raw


def test_throttling_is_retried_by_our_sender_and_recorded_once(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    with SesStandin(record, faults=Faults(rate=20, burst=2)) as standin:
        results = sender(standin, attempts=8, backoff=0.05).send_batch(
            [email(i) for i in range(12)]
        )
        stats = standin.stats()
    assert stats["throttled"] > 0
    assert stats["requests"] == stats["throttled"] + stats["sent"]
    assert {r.outcome for r in results} == {Outcome.SENT}
    assert by_execution(record) == Counter(r.execution_id.hex for r in results)  # once each


def test_throttled_to_the_end_is_left_to_retry_and_not_recorded(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    # One token, then one more every 1,000 s: the first call goes, every other is throttled.
    with SesStandin(record, faults=Faults(rate=0.001, burst=1)) as standin:
        ses = sender(standin, attempts=3)
        first = ses.send_one(email(0))
        rest = ses.send_batch([email(i) for i in range(1, 4)])
        stats = standin.stats()
    assert first.outcome == Outcome.SENT
    assert all(r.outcome == Outcome.RETRY and "TooManyRequests" in r.error for r in rest)
    assert stats["throttled"] == 3 * 3
    assert by_execution(record) == Counter({email(0).execution_id.hex: 1})


def test_a_dropped_response_is_recorded_once_and_the_outcome_is_unknown(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    with SesStandin(record, faults=Faults(drop_share=1.0)) as standin:
        results = sender(standin).send_batch([email(i) for i in range(4)])
        stats = standin.stats()
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 4
    assert all("Connection was closed" in r.error for r in results)
    assert stats["requests"] == stats["dropped"] == 4  # none sent again
    lines = read_records(record)
    assert [line["answer"] for line in lines] == ["dropped"] * 4
    assert by_execution(record) == Counter(r.execution_id.hex for r in results)


def test_500s_are_retried_until_accepted(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    # Without fsync too, a line is written (to the OS) before its answer.
    with SesStandin(record, faults=Faults(error_share=0.5), seed=3, fsync=False) as standin:
        results = sender(standin, attempts=8).send_batch([email(i) for i in range(20)])
        stats = standin.stats()
    assert {r.outcome for r in results} == {Outcome.SENT}
    assert stats["errors"] > 0 and stats["requests"] == stats["errors"] + 20
    lines = read_records(record)
    assert by_execution(record) == Counter(r.execution_id.hex for r in results)
    assert max(line["attempt"] for line in lines) > 1  # some went on a later attempt


def test_message_rejected_fails_at_once(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    with SesStandin(record, faults=Faults(reject_share=1.0)) as standin:
        results = sender(standin).send_batch([email(i) for i in range(3)])
        stats = standin.stats()
    assert all(r.outcome == Outcome.FAILED and "MessageRejected" in r.error for r in results)
    assert stats["requests"] == stats["rejected"] == 3  # never retried
    assert read_records(record) == []


def test_configured_identities_verify_senders_and_answer_get_email_identity(
    tmp_path: Path,
) -> None:
    record = tmp_path / "ses.jsonl"
    with SesStandin(record, identities=["sender.example", "solo@other.example"]) as standin:
        ok, unverified = sender(standin).send_batch(
            [email(0), email(1, sender="eve@unverified.example")]
        )
        check = SesIdentityCheck(client(standin.endpoint))
        warnings = [check(a) for a in ("a@sender.example", "solo@other.example", "x@other.example")]
    assert ok.outcome == Outcome.SENT
    assert unverified.outcome == Outcome.FAILED and "not verified" in unverified.error
    assert warnings[:2] == [None, None]
    assert warnings[2] is not None and "not verified in SES" in warnings[2]
    assert len(read_records(record)) == 1


def test_latency_is_added_to_every_answer(tmp_path: Path) -> None:
    with SesStandin(tmp_path / "ses.jsonl", faults=Faults(latency_ms=150)) as standin:
        ses = sender(standin)
        start = time.perf_counter()
        assert ses.send_one(email(0)).outcome == Outcome.SENT
        assert time.perf_counter() - start >= 0.15


def test_stopping_ends_requests_in_flight_at_once(tmp_path: Path) -> None:
    """A client mid-request hears the connection close (unknown), not silence until its
    read timeout; stopping waits for nothing but the journal."""
    record = tmp_path / "ses.jsonl"
    standin = SesStandin(record, faults=Faults(latency_ms=5_000))
    standin.start()
    ses = sender(standin)
    results: list[SendResult] = []
    client_thread = threading.Thread(target=lambda: results.extend(ses.send_batch([email(0)])))
    client_thread.start()
    deadline = time.monotonic() + 10
    while standin.stats()["requests"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.perf_counter()
    standin.stop()
    client_thread.join(10)
    assert time.perf_counter() - start < 3
    assert [r.outcome for r in results] == [Outcome.UNKNOWN]
    assert read_records(record) == []


def _mixed_run(tmp_path: Path, seed: int) -> tuple[list[SendResult], list[tuple[Any, ...]]]:
    record = tmp_path / f"seed-{seed}-{uuid.uuid4().hex}.jsonl"
    faults = Faults(error_share=0.4, reject_share=0.1, drop_share=0.1)
    with SesStandin(record, faults=faults, seed=seed) as standin:
        results = sender(standin, attempts=2).send_batch([email(i) for i in range(40)])
    lines = sorted(
        (r["x_sequences_execution"], r["attempt"], r["answer"], r["message_id"])
        for r in read_records(record)
    )
    return results, lines


def test_the_seed_makes_a_run_reproducible(tmp_path: Path) -> None:
    """Four threads race, yet each email meets the same fates: fates are drawn per message and
    attempt, not in arrival order."""
    results, lines = _mixed_run(tmp_path, seed=11)
    again, lines_again = _mixed_run(tmp_path, seed=11)
    other, lines_other = _mixed_run(tmp_path, seed=12)
    outcomes = [(r.outcome, r.provider_message_id, (r.error or "")[:20]) for r in results]
    assert {o[0] for o in outcomes} == {
        Outcome.SENT, Outcome.FAILED, Outcome.UNKNOWN, Outcome.RETRY
    }  # fmt: skip
    assert outcomes == [(r.outcome, r.provider_message_id, (r.error or "")[:20]) for r in again]
    assert lines == lines_again
    assert lines != lines_other and [r.outcome for r in results] != [r.outcome for r in other]


def test_faults_must_add_up() -> None:
    with pytest.raises(ValueError, match="together at most 1"):
        Faults(error_share=0.6, drop_share=0.5)
    with pytest.raises(ValueError, match="rate"):
        Faults(rate=0)


def test_the_cli_serves_until_sigterm_then_prints_its_counts(tmp_path: Path) -> None:
    record = tmp_path / "ses.jsonl"
    argv = [sys.executable, "-m", "benchmarks.support.ses_standin", "--record", str(record)]
    proc = subprocess.Popen([*argv, "--seed", "5", "--identity", "sender.example"],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().split()[1]
        assert endpoint.startswith("http://127.0.0.1:")
        result = SesSender(client(endpoint), configuration_set=None, threads=1).send_one(email(0))
        assert result.outcome == Outcome.SENT
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert '"sent": 1' in out
    assert [r["message_id"] for r in read_records(record)] == [result.provider_message_id]
    bad = subprocess.run([*argv, "--error-share", "0.7", "--drop-share", "0.7"],
                         capture_output=True, text=True, timeout=20)  # fmt: skip
    assert bad.returncode == 2 and "together at most 1" in bad.stderr
