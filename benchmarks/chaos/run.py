"""The chaos run: seed, then rounds of 1-4 dispatcher processes against the faulty SES
stand-in and a flaky webhook receiver, with kills, one PostgreSQL restart and re-delivered
SQS feedback; then drain and judge (`checker`).

A round is one `sequences_dispatch` DAG run on a simulated clock that moves `round_hours`
a round: feedback (SQS on moto), reconciliation, then one shard per dispatcher process.
After the round, what the stand-in accepted goes back as SES events (Send for each, a
hard bounce for some leads), a share of them twice, as SQS delivers at least once.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from benchmarks.chaos import checker
from benchmarks.chaos.world import World, seed
from benchmarks.support.ses_standin import Faults, SesStandin, read_records
from benchmarks.support.webhook_receiver import Flakiness, WebhookReceiver
from sequences_core.db import migrate
from sequences_core.db.engine import build_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import EmbeddedPostgres, free_port
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_feeds, dispatch_context
from sequences_core.services.cycle import apply_feedback, reconcile
from sequences_core.services.feedback import unsubscribe

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
FAULTS = Faults(latency_ms=2, rate=300, burst=60, error_share=0.03, reject_share=0.004,
                drop_share=0.004)  # fmt: skip
FLAKY = Flakiness(fail_share=0.15, drop_share=0.02, latency_ms=2)
BOUNCE_SHARE = 0.015  # hard-bounced on their first email (under the guard's 5%)
UNSUBSCRIBE_SHARE = 0.01  # opt out between rounds
REDELIVER_SHARE = 0.1


@dataclass(frozen=True)
class Size:
    leads: int = 3000
    rounds: int = 24  # rounds with faults; then rounds without kills until all is done
    round_hours: int = 3
    kill_share: float = 0.6  # rounds in which one dispatcher is killed mid-batch
    max_drain_rounds: int = 120
    batch_size: int = 100
    dispatchers: int = 4  # at most, per round (each round draws 1 to this many)


@dataclass
class Tally:
    kills: int = 0
    restarts: int = 0
    cut_off: int = 0  # shards failed by the restart (Airflow retries them)
    unexpected: int = 0
    stalled: int = 0
    feedback_events: int = 0
    redelivered: int = 0
    bounced: int = 0
    unsubscribed: int = 0
    rounds: int = 0
    dispatchers: Counter[int] = field(default_factory=Counter)


class Worker:
    """One warm dispatcher process (benchmarks/chaos/worker.py) and its answers."""

    def __init__(self, env: dict[str, str], batch_size: int, log: IO[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.chaos.worker", str(batch_size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
            cwd=ROOT,
        )  # fmt: skip
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = False
        self.busy = False

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.answers.put(json.loads(line))
        self.answers.put(None)  # gone

    def wait_ready(self, timeout: float = 120) -> None:
        if not self.ready:
            first = self.answers.get(timeout=timeout)
            if not first or not first.get("ready"):
                raise RuntimeError("a dispatcher process did not start (see its log)")
            self.ready = True

    def order(self, start: datetime, shard: int, shards: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"start": start.isoformat(), "shard": shard,
                                          "shards": shards}) + "\n")  # fmt: skip
        self.proc.stdin.flush()
        self.busy = True

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Chaos:
    def __init__(
        self,
        seed_value: int,
        size: Size,
        workdir: Path,
        say: Callable[[str], None],
        faults: Faults = FAULTS,
    ):
        self.seed, self.size, self.dir, self.say = seed_value, size, workdir, say
        self.faults = faults
        self.rng = random.Random(seed_value)
        self.tally = Tally()
        self.now = START
        self.force_restart = False
        self.offset = 0  # stand-in records already turned into feedback
        self.bouncing: set[str] = set()
        self.first_email: dict[str, dict[str, Any]] = {}
        self.bouncing_now: list[str] = []  # bounced last round: suppressed from this round on

    # --- the pieces around the rounds ------------------------------------------------------

    @contextmanager
    def services(self) -> Iterator[None]:
        from moto.server import ThreadedMotoServer

        self.pg = EmbeddedPostgres(self.dir / "pg", port=free_port(), durable=True)
        self.pg.start()
        moto_port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.standin = SesStandin(self.dir / "ses.jsonl", faults=self.faults, seed=self.seed)
        self.hook = WebhookReceiver(
            seed=self.seed, flakiness=FLAKY, record=self.dir / "hooks.jsonl"
        )
        try:
            with self.standin, self.hook:
                self.url = self.pg.ensure_database("chaos")
                self.engine = build_engine(self.url, pool_size=4)
                migrate.upgrade(self.engine)
                self._aws(f"http://127.0.0.1:{moto_port}")
                yield
        finally:
            moto.stop()
            engine = getattr(self, "engine", None)
            if engine is not None:
                engine.dispose()
            self.pg.stop()

    def _aws(self, endpoint: str) -> None:
        import boto3

        creds = {"AWS_ACCESS_KEY_ID": "chaos", "AWS_SECRET_ACCESS_KEY": "chaos",
                 "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
        session = boto3.session.Session(aws_access_key_id="chaos", aws_secret_access_key="chaos")
        self.sqs = session.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        self.queue_url = self.sqs.create_queue(QueueName="chaos-ses-events")["QueueUrl"]
        feedback_env = {**creds, "AWS_ENDPOINT_URL": endpoint, "SEQUENCES_DATABASE_URL": self.url,
                        "SEQUENCES_SES_EVENTS_QUEUE_URL": self.queue_url}  # fmt: skip
        self.settings = Settings.from_env(feedback_env)
        feeds = build_feeds(self.settings, session)
        self.feeds = replace(feeds, sqs=_ShortPoll(feeds.sqs))
        self.worker_env = {
            **os.environ, **creds, "AWS_ENDPOINT_URL": self.standin.endpoint,
            "SEQUENCES_DATABASE_URL": self.url, "SEQUENCES_SENDER": "ses",
            "SEQUENCES_SEND_PROCESSES": "1", "SEQUENCES_SES_MAX_SEND_RATE": "5000",
            "SEQUENCES_SEND_LEASE_SECONDS": "120", "SEQUENCES_VAR_DIR": str(self.dir),
        }  # fmt: skip
        self.worker_env.pop("AWS_ENDPOINT_URL_SQS", None)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def clock(self) -> datetime:
        return self.now

    # --- a round ---------------------------------------------------------------------------

    def _count(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql), {"now": self.now}).scalar_one())

    def _due(self) -> int:
        return self._count(
            "SELECT count(*) FROM sequence_enrollments WHERE status = 'active'"
            " AND next_run_at <= :now"
        )

    def _unsubscribe_some(self, world: World) -> None:
        """A few leads who already had an email opt out before this round's dispatch."""
        mailed = [lead for lead in self.first_email if lead not in self.bouncing]
        for lead in self.rng.sample(mailed, min(len(mailed), self._quota(UNSUBSCRIBE_SHARE))):
            org, lead_id = world.leads[lead]
            with self.uow() as uow:
                if unsubscribe(uow, org, lead_id, "chaos"):
                    self._suppress(world, lead, self.now)
                    self.tally.unsubscribed += 1

    def _quota(self, share: float) -> int:
        per_round = share * len(self.plan.enrollments) / max(1, self.size.rounds)
        return int(per_round) + (self.rng.random() < per_round % 1)

    def _suppress(self, world: World, lead: str, at: datetime) -> None:
        e = self.plan.enrollments[lead]
        if e.suppressed_from is None or e.suppressed_from > at:
            self.plan.enrollments[lead] = checker.Enrollment(  # type: ignore[index]
                e.lead, e.enrollment_id, e.organization_id, e.template, e.window, e.steps, at
            )

    def round(self, world: World, faults: bool, restart: bool) -> bool:
        """One DAG run; `restart`: restart PostgreSQL mid-batch if enough is due (or
        `self.force_restart`). True when it did."""
        began = time.monotonic()
        feedback = apply_feedback(self.uow, self.feeds, self.clock)
        for lead in self.bouncing_now:
            self._suppress(world, lead, self.now)
        self.bouncing_now = []
        reconcile(self.uow, dispatch_context(self.settings, sender=_NoLookup(), now=self.clock))
        if faults:
            self._unsubscribe_some(world)
        due = self._due()
        n = self.rng.randint(1, self.size.dispatchers)
        self.tally.dispatchers[n] += 1
        before = self.standin.stats()
        busy = self.workers[:n]
        for w in busy:
            w.wait_ready()
        for shard, w in enumerate(busy):
            w.order(self.now, shard, n)
        killed = restarted = False
        # Within the requests this round is likely to make, so the fault lands mid-batch.
        reach = max(2, min(150, due // 2))
        if faults and self.rng.random() < self.size.kill_share:
            killed = self._kill_mid_batch(busy, before["requests"] + self.rng.randint(1, reach))
        if restart:
            target = before["requests"] + self.rng.randint(1, reach)
            restarted = self._restart_mid_batch(busy, target, force=self.force_restart)
        results = self._collect(busy, restarted)
        sent = sum(r.get("sent", 0) for r in results)
        claimed = sum(r.get("claimed", 0) for r in results)
        if due and not claimed and not killed and not restarted:
            self.tally.stalled += 1
        events = self._publish_feedback(world)
        after = self.standin.stats()
        delta = {k: after[k] - before[k] for k in after}
        self.tally.rounds += 1
        self.say(
            f"round {self.tally.rounds:>3} {self.now:%a %d %H:%M} UTC  {n} dispatcher(s)  due "
            f"{due:>5}  sent {sent:>5}  stand-in: accepted {delta['sent'] + delta['dropped']:>5}"
            f" 429 {delta['throttled']:>3} 500 {delta['errors']:>3} rejected "
            f"{delta['rejected']:>2} dropped {delta['dropped']:>2}  webhooks "
            f"{sum(r.get('webhooks_called', 0) for r in results):>4}  feedback in "
            f"{feedback.events:>5} (dup {feedback.duplicates:>3}) out {events:>5}"
            + ("  KILLED one" if killed else "")
            + ("  PG RESTARTED" if restarted else "")
            + f"  ({time.monotonic() - began:.1f} s)"
        )
        self.now += timedelta(hours=self.size.round_hours)
        return restarted

    def _kill_mid_batch(self, busy: list[Worker], target: int) -> bool:
        """SIGKILL one dispatcher once the stand-in has seen `target` requests."""
        victim_index = self.rng.randrange(len(busy))
        if not self._wait_requests(target, busy):
            self.say("  (no kill: the round ended first)")
            return False
        victim = busy[victim_index]
        if victim.busy and victim.proc.poll() is None:
            victim.kill()
            self.tally.kills += 1
            self.workers[self.workers.index(victim)] = self._spawn()
            busy[victim_index] = victim
            victim.busy = False
            return True
        self.say("  (no kill: the chosen dispatcher had finished)")
        return False

    def _restart_mid_batch(self, busy: list[Worker], target: int, force: bool) -> bool:
        """`pg_ctl restart -m fast` once the stand-in has seen `target` requests; False if
        the round ended first (unless `force`: then after the round)."""
        if not self._wait_requests(target, busy) and not force:
            return False
        log = os.path.relpath(self.pg.logfile, self.pg.pgdata)
        self.pg._pg_ctl("-m", "fast", "-l", log, "-w", "restart")
        self.tally.restarts += 1
        return True

    def _wait_requests(self, target: int, busy: list[Worker], timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while self.standin.stats()["requests"] < target:
            if all(w.answers.qsize() for w in busy) or time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _collect(self, busy: list[Worker], restarted: bool) -> list[dict[str, Any]]:
        results = []
        for w in busy:
            if not w.busy:
                continue  # killed
            try:
                answer = w.answers.get(timeout=180)
            except queue.Empty:
                answer = None
                w.kill()
            w.busy = False
            if answer is None:  # died or hung: replace it
                self.tally.unexpected += 1
                self.workers[self.workers.index(w)] = self._spawn()
                continue
            if "error" in answer:
                if restarted:
                    self.tally.cut_off += 1
                else:
                    self.tally.unexpected += 1
                    self.say(f"  dispatcher failed: {answer['error']}")
                continue
            results.append(answer)
        return results

    # --- feedback as SES would send it -----------------------------------------------------

    def _publish_feedback(self, world: World) -> int:
        records = read_records(self.standin.record)[self.offset :]
        self.offset += len(records)
        events = []
        for r in records:
            lead = r["to"][0].lower()
            events.append(_ses_event("Send", r))
            if lead not in self.first_email:
                self.first_email[lead] = r
                if self.rng.random() < BOUNCE_SHARE:
                    events.append(_ses_event("Bounce", r))
                    self.bouncing.add(lead)
                    self.bouncing_now.append(lead)
                    self.tally.bounced += 1
        again = [e for e in events if self.rng.random() < REDELIVER_SHARE]
        self.tally.redelivered += len(again)
        bodies = events + again
        self.rng.shuffle(bodies)
        for start in range(0, len(bodies), 10):
            self.sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "MessageBody": b}
                         for i, b in enumerate(bodies[start : start + 10])],
            )  # fmt: skip
        self.tally.feedback_events += len(bodies)
        return len(bodies)

    # --- the run ---------------------------------------------------------------------------

    def _spawn(self) -> Worker:
        return Worker(self.worker_env, self.size.batch_size, self.log)

    def _drain(self, world: World) -> None:
        """Rounds without kills until no enrollment is active (or the bound is reached)."""
        for _ in range(self.size.max_drain_rounds):
            with self.uow():
                left = self._count("SELECT count(*) FROM sequence_enrollments"
                                   " WHERE status = 'active'")  # fmt: skip
            if not left:
                return
            self.round(world, faults=False, restart=False)

    def run(self) -> list[checker.Verdict]:
        with self.services(), open(self.dir / "dispatchers.log", "a") as self.log:
            # Started first, so their imports overlap the seeding.
            self.workers = [self._spawn() for _ in range(self.size.dispatchers)]
            try:
                with self.uow() as uow:
                    world = seed(uow, self.size.leads, START, self.hook.url, self.rng)
                self.plan = world.plan
                self.say(
                    f"seeded {len(self.plan.enrollments):,} enrollments in 2 organizations, "
                    f"{len({e.window.zone for e in self.plan.enrollments.values()})} time zones"
                )
                pending = False  # the restart is due, and waits for a round with work
                for r in range(self.size.rounds):
                    self.force_restart = r == self.size.rounds - 1
                    want = pending or r == self.size.rounds // 2
                    restarted = self.round(world, faults=True, restart=want)
                    pending = want and not restarted
                for _ in range(3):  # a lease reconcile settles may make a step due again
                    self._drain(world)
                    self.now += timedelta(days=1)  # every lease long past: reconcile settles all
                    apply_feedback(self.uow, self.feeds, self.clock)
                    reconcile(self.uow, dispatch_context(self.settings, _NoLookup(), self.clock))
                    if not self._due():
                        break
            finally:
                for w in self.workers:
                    w.stop()
            return checker.check(
                self.plan,
                read_records(self.standin.record),
                self.hook.calls,
                self._outcomes(),
                self._health(),
            )

    def _outcomes(self) -> checker.Outcomes:
        with self.engine.connect() as conn:
            executions = {
                row.id.hex: checker.StepOutcome(row.status, row.error)
                for row in conn.execute(
                    text("SELECT id, status, error FROM sequence_step_executions")
                )
            }
            steps = checker.by_lead(
                conn.execute(text(
                    "SELECT lower(l.email), x.step_position, x.status, x.error"
                    " FROM sequence_step_executions x"
                    " JOIN sequence_enrollments e ON e.id = x.enrollment_id"
                    " JOIN leads l ON l.id = e.lead_id ORDER BY x.attempted_at, x.attempt"
                )).all()  # type: ignore[arg-type]
            )  # fmt: skip
            enrollments = {
                lead: (status, reason)
                for lead, status, reason in conn.execute(text(
                    "SELECT lower(l.email), e.status, coalesce(e.paused_reason, e.stopped_reason)"
                    " FROM sequence_enrollments e JOIN leads l ON l.id = e.lead_id"
                ))
            }  # fmt: skip
        return checker.Outcomes(executions, steps, enrollments)

    def _health(self) -> checker.Health:
        return checker.Health(
            stuck_leases=self._count(
                "SELECT count(*) FROM sequence_step_executions WHERE status = 'sending'"
            ),
            due_left=self._due(),
            error_paused=self._count(
                "SELECT count(*) FROM sequence_enrollments WHERE status = 'paused'"
                " AND paused_reason LIKE 'error:%'"
            ),
            unexpected_exits=self.tally.unexpected,
            stalled_rounds=self.tally.stalled,
        )


class _ShortPoll:
    """The feed's SQS client without long polling: the run's events are queued before the
    cycle reads them, and a 1 s wait on the empty queue every round adds up."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def receive_message(self, **kwargs: Any) -> Any:
        return self._client.receive_message(**{**kwargs, "WaitTimeSeconds": 0})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _NoLookup:
    """Reconciliation's sender: SES cannot be asked by our id (as `SesSender.lookup`)."""

    name = "ses"

    def send_batch(self, emails: Any) -> list[Any]:
        raise AssertionError("reconciliation sends nothing")

    def lookup(self, execution_id: Any) -> Any:
        from sequences_core.senders import Outcome, SendResult

        return SendResult(execution_id, Outcome.UNKNOWN)


def _ses_event(kind: str, record: dict[str, Any]) -> str:
    """An SES event as the configuration set publishes it, for one accepted message."""
    from email.utils import parsedate_to_datetime

    at = parsedate_to_datetime(record["date_header"]).isoformat()
    mail = {
        "messageId": record["message_id"], "timestamp": at, "source": record["from"],
        "destination": record["to"],
        "tags": {name: [value] for name, value in (record.get("tags") or {}).items()},
    }  # fmt: skip
    event: dict[str, Any] = {"eventType": kind, "mail": mail}
    if kind == "Send":
        event["send"] = {}
    else:
        event["bounce"] = {
            "bounceType": "Permanent", "bounceSubType": "General", "timestamp": at,
            "feedbackId": f"chaos-{record['message_id']}",
            "bouncedRecipients": [{"emailAddress": record["to"][0],
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
        }  # fmt: skip
    return json.dumps(event)
