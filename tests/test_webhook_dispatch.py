"""Webhook steps run by the engine on real PostgreSQL: retried with one Idempotency-Key and a
documented signature, 4xx not retried, and a dispatcher killed mid-call reconciled, not
duplicated. Every call goes to a receiver on 127.0.0.1 (allow-listed for the organization)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select, text

from sequences_core.db.models import SequenceEnrollment, SequenceStepExecution
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchContext
from tests.api_support import ALWAYS_OPEN, API, SECRET, build_app, tenant
from tests.conftest import FakeClock
from tests.test_webhooks_delivery import docs_verify
from tests.webhook_support import Answer, Receiver

ROOT = Path(__file__).resolve().parent.parent
STEP_SECRET = "whsec_test_0123456789abcdef"


def setup(clean_db, tmp_path, url: str, **config):
    app = build_app(clean_db, tmp_path)
    acme = tenant(clean_db, app.test_client(), "Acme")
    acme.client.patch(f"{API}/organization", headers=acme.auth,
                      json={"webhook_allow": ["127.0.0.1"]})  # fmt: skip
    acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example"})
    template = acme.post(f"{API}/templates", {"name": "CRM", "settings": ALWAYS_OPEN}).json
    hook = {"url": url, "secret": STEP_SECRET, "body": '{"tier": "{{ company }}"}', **config}
    made = acme.post(f"{API}/steps", {"template_id": template["id"], "type": "webhook",
                                      "config": hook})  # fmt: skip
    assert made.status_code == 201, made.json
    acme.post(f"{API}/steps", {"template_id": template["id"], "type": "email",
                               "config": {"subject": "After", "html": "<p>x</p>"}})  # fmt: skip
    lead = acme.post(f"{API}/leads", {"email": "l@lead.example", "company": "Acme"}).json
    acme.post(f"{API}/enrollments", {"template_id": template["id"], "lead_id": lead["id"]})
    app.extensions["sequences"].hits.close()
    clock = FakeClock(datetime.now(UTC) + timedelta(minutes=1))
    ctx = DispatchContext(sender=OutboxSender(tmp_path / "outbox"), tokens=Tokens(SECRET),
                          public_url="https://track.example", now=clock)  # fmt: skip
    return clock, lambda: run_cycle(lambda: UnitOfWork(clean_db), ctx).dispatch


def executions(clean_db) -> list[SequenceStepExecution]:
    with UnitOfWork(clean_db) as read:
        return list(read.session.scalars(
            select(SequenceStepExecution).where(SequenceStepExecution.step_type == "webhook")
            .order_by(SequenceStepExecution.attempt)
        ))  # fmt: skip


def enrollment(clean_db) -> SequenceEnrollment:
    with UnitOfWork(clean_db) as read:
        return read.session.scalars(select(SequenceEnrollment)).one()


def test_503_twice_then_200_is_one_success_in_three_attempts_with_one_key(clean_db, tmp_path):
    verify = docs_verify()
    with Receiver(Answer(503), Answer(503), Answer(200, body=b"ok")) as rx:
        clock, cycle = setup(clean_db, tmp_path, rx.url)
        called = []
        for _ in range(4):  # three attempts, then the email after the step
            called.append(cycle().webhooks_called)
            clock.advance(timedelta(hours=2))  # past any backoff
        received = list(rx.received)
    assert called == [0, 0, 1, 0]
    assert len(received) == 3 and len({r.headers["Idempotency-Key"] for r in received}) == 1
    assert all(verify(r.headers["Sequences-Signature"], r.body, STEP_SECRET) for r in received)
    body = json.loads(received[0].body)
    assert body["data"] == {"tier": "Acme"} and body["lead"]["email"] == "l@lead.example"
    tried = executions(clean_db)
    assert [(x.attempt, x.status) for x in tried] == [(1, "failed"), (2, "failed"),
                                                      (3, "completed")]  # fmt: skip
    assert tried[-1].detail["status"] == 200
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1  # the email after it went


def test_a_400_is_not_retried_and_pauses_by_default(clean_db, tmp_path):
    with Receiver(Answer(400, body=b"bad field")) as rx:
        clock, cycle = setup(clean_db, tmp_path, rx.url)
        cycle()
        clock.advance(timedelta(hours=2))
        cycle()
        assert len(rx.received) == 1
    [tried] = executions(clean_db)
    assert tried.status == "failed" and tried.detail["response"] == "bad field"
    paused = enrollment(clean_db)
    assert paused.status == "paused" and paused.paused_reason.startswith("webhook_failed: HTTP 400")


def test_on_failure_continue_goes_on_with_the_sequence(clean_db, tmp_path):
    with Receiver(Answer(404)) as rx:
        clock, cycle = setup(clean_db, tmp_path, rx.url, on_failure="continue")
        cycle()
        clock.advance(timedelta(minutes=10))
        cycle()
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


class Hanging:
    """A receiver whose first call never answers (until released); later calls get 200."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.keys.append(self.headers["Idempotency-Key"])
                if len(outer.keys) == 1:
                    outer.release.wait(60)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_dispatcher_killed_mid_call_is_reconciled_not_duplicated(clean_db, db_url, tmp_path):
    rx = Hanging()
    try:
        clock, cycle = setup(clean_db, tmp_path, rx.url)
        with clean_db.begin() as conn:  # due by the real clock the killed `tick` reads
            conn.execute(text("UPDATE sequence_enrollments SET next_run_at = now()"))
        env = {**os.environ, "SEQUENCES_DATABASE_URL": db_url,
               "SEQUENCES_VAR_DIR": str(tmp_path), "SEQUENCES_SECRET_KEY": SECRET}  # fmt: skip
        tick = subprocess.Popen([sys.executable, "-m", "sequences_core.cli", "tick"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while not rx.keys and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rx.keys, "the webhook was never called"
        tick.send_signal(signal.SIGKILL)
        tick.wait(10)
        [cut_off] = executions(clean_db)
        assert cut_off.status == "sending"  # committed before the call, left by the crash

        clock.current = datetime.now(UTC) + timedelta(minutes=11)  # the lease is over
        first = cycle()
        assert first.reconciled == 1 and len(rx.keys) == 1  # not called again this cycle
        clock.advance(timedelta(minutes=6))
        cycle()
    finally:
        rx.close()
    tried = executions(clean_db)
    assert [(x.attempt, x.status) for x in tried] == [(1, "failed"), (2, "completed")]
    assert "interrupted" in tried[0].error
    assert len(rx.keys) == 2 and rx.keys[0] == rx.keys[1]


class Slow:
    """A receiver that answers 200 after a pause, noting when it answered."""

    def __init__(self, pause: float) -> None:
        self.answered: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(pause)
                outer.answered.append(time.time())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_slow_receiver_holds_up_no_email_batch(clean_db, tmp_path):
    """The webhook's batch goes first; the emails claimed after it are sent while the
    receiver still thinks, not after its answer."""
    rx = Slow(pause=3.0)
    try:
        clock, _cycle = setup(clean_db, tmp_path, rx.url)
        app = build_app(clean_db, tmp_path)
        rival = tenant(clean_db, app.test_client(), "Rival")
        app.extensions["sequences"].hits.close()
        rival.post(f"{API}/mailboxes", {"from_email": "r@rival.example"})
        template = rival.post(f"{API}/templates", {"name": "T", "settings": ALWAYS_OPEN}).json
        rival.post(f"{API}/steps", {"template_id": template["id"], "type": "email",
                                    "config": {"subject": "Hi", "html": "<p>x</p>"}})  # fmt: skip
        for i in range(3):
            lead = rival.post(f"{API}/leads", {"email": f"r{i}@lead.example"}).json
            rival.post(f"{API}/enrollments", {"template_id": template["id"], "lead_id": lead["id"]})
        with clean_db.begin() as conn:  # the webhook's enrollment is claimed first
            conn.execute(text("UPDATE sequence_enrollments SET next_run_at = now() - interval "
                              "'1 hour' WHERE lead_id IN (SELECT id FROM leads WHERE email = "
                              "'l@lead.example')"))  # fmt: skip
        outbox = OutboxSender(tmp_path / "outbox")
        ctx = DispatchContext(sender=outbox, tokens=Tokens(SECRET), batch_size=1,
                              public_url="https://track.example", now=clock)  # fmt: skip
        summary = run_cycle(lambda: UnitOfWork(clean_db), ctx).dispatch
    finally:
        rx.close()
    assert summary.webhooks_called == 1
    rivals = [p for p in (tmp_path / "outbox").glob("*.eml") if "@lead.example" in p.read_text()
              and "To: r" in p.read_text()]  # fmt: skip
    assert len(rivals) == 3 and max(p.stat().st_mtime for p in rivals) < rx.answered[0]
