"""Real `sequences tick` processes: racing each other, and killed with SIGKILL mid-batch."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from sequences_core.db.models import SequenceEnrollment, SequenceStepExecution
from sequences_core.schemas import LeadIn
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence


def seed(uow, org_id, count: int) -> None:
    from datetime import UTC, datetime

    mailbox(uow, org_id, daily_limit=100_000)
    template = sequence(uow, org_id, [email_step("Hello {{ first_name }}")], **ALWAYS)
    leads = [LeadIn(email=f"p{i}@x.example", first_name=f"P{i}") for i in range(count)]
    enrol(uow, org_id, template, leads, datetime.now(UTC))


def tick(db_url: str, var: Path, *extra: str, lease: str = "600") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SEQUENCES_DATABASE_URL": db_url,
        "SEQUENCES_SENDER": "outbox",
        "SEQUENCES_VAR_DIR": str(var),
        "SEQUENCES_SEND_LEASE_SECONDS": lease,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "sequences_core.cli", "tick", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def recipients(outbox: Path) -> Counter[str]:
    return Counter(email.message_from_bytes(p.read_bytes())["To"] for p in outbox.glob("*.eml"))


def waiting_on_locks(conn, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while conn.execute(query).scalar_one() < count:
        conn.rollback()  # pg_stat_activity is a snapshot per transaction
        assert time.monotonic() < deadline, "the ticks never reached the enrollments"
        time.sleep(0.05)


@pytest.mark.timeout(300)
def test_two_ticks_at_once_send_each_email_exactly_once(uow, org_id, db_url, tmp_path):
    seed(uow, org_id, 2000)
    with uow.engine.connect() as gate, uow.engine.connect() as watch:
        # Both ticks wait at the enrollments until both are up, so they race for real (a
        # tick sends 2,000 in about a second: one started half a second late found nothing).
        gate.execute(text("LOCK TABLE sequence_enrollments IN ACCESS EXCLUSIVE MODE"))
        procs = [tick(db_url, tmp_path, "--batch-size", "100", "--json") for _ in range(2)]
        waiting_on_locks(watch, 2)
        gate.commit()
    outputs = [p.communicate(timeout=240)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    sent = recipients(tmp_path / "outbox")
    assert len(sent) == 2000 and set(sent.values()) == {1}
    summaries = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    assert sum(s["sent"] for s in summaries) == 2000
    assert min(s["sent"] for s in summaries) > 0, f"both should have taken work: {summaries}"
    count = uow.session.scalar(select(func.count()).where(SequenceStepExecution.status == "sent"))
    assert count == 2000


@pytest.mark.timeout(300)
def test_kill_minus_nine_mid_batch_then_tick_again(uow, org_id, db_url, tmp_path):
    seed(uow, org_id, 3000)
    outbox = tmp_path / "outbox"
    victim = tick(db_url, tmp_path, "--batch-size", "200", lease="2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if outbox.exists() and len(list(outbox.glob("*.eml"))) >= 300:
            break
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    written_before = len(list(outbox.glob("*.eml")))
    assert 0 < written_before < 3000, "the kill should land mid-run"

    time.sleep(2.5)  # let the killed run's lease expire
    survivor = tick(db_url, tmp_path, lease="2")
    out = survivor.communicate(timeout=240)[0]
    assert survivor.returncode == 0, out
    sent = recipients(outbox)
    assert len(sent) == 3000, "none lost"
    assert set(sent.values()) == {1}, "none twice"
    statuses = dict(
        uow.session.execute(
            select(SequenceEnrollment.status, func.count()).group_by(SequenceEnrollment.status)
        ).all()
    )
    assert statuses == {"completed": 3000}
