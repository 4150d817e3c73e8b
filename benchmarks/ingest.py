"""Apply 50,000 SES events (parse + exactly-once application) through the feed service, in the
SQS drain's batch size, beside a baseline that only parses the same JSON and bulk-inserts one
row per event.

Target (feedback issue): >= 2,000 events/s on this machine.

Then inbound mail, where the classifier is in the path: every message of the mail corpus
(tests/fixtures/mail/, many MTAs and 13 languages), each made a reply to one of the seeded
executions, through the same service with the inbound feed's one transaction a message;
beside the classifier alone over the same bytes. Reported as messages/s and the cost per
message of each (no target: the issue asks what the parsers cost a message).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.dispatch import seed
from benchmarks.fleet import row
from benchmarks.harness import Timer, report, scratch_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.classify import classify
from sequences_core.feeds.base import FeedMessage, Seen
from sequences_core.feeds.sqs import MESSAGES_PER_COMMIT
from sequences_core.services.feed_apply import INBOUND_MAIL, SES_EVENTS, apply_feed

N = int(os.environ.get("BENCH_INGEST_N", "50000"))
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mail"
_THREAD = re.compile(
    rb"^(In-Reply-To|References):[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*", re.M | re.I
)
BATCH = MESSAGES_PER_COMMIT


@dataclass(frozen=True)
class QueueInMemory:
    """The SQS feed without the network: what is measured is the service's path."""

    bodies: Sequence[str | bytes]
    source: str = "sqs"
    keeps_messages: bool = False

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        for i, body in enumerate(self.bodies):
            raw = body.encode() if isinstance(body, str) else body
            yield FeedMessage(key=str(i), body=raw, uri=f"bench://{i}")

    def ack(self, messages: Sequence[FeedMessage]) -> None:
        """Nothing to delete."""


def bodies(executions: list[tuple[str, str, str]]) -> list[str]:
    """Mostly deliveries and opens, some soft and hard bounces, a few complaints."""
    out = []
    now = datetime.now(UTC).isoformat()
    for i, (eid, org, mid) in enumerate(executions):
        mail = {
            "timestamp": now,
            "messageId": mid,
            "tags": {"execution_id": [eid], "org_id": [org]},
        }
        pick = i % 100
        if pick < 3:
            event = {
                "eventType": "Bounce",
                "mail": mail,
                "bounce": {
                    "bounceType": "Permanent",
                    "bounceSubType": "General",
                    "feedbackId": f"h{i}",
                    "timestamp": now,
                    "bouncedRecipients": [{"emailAddress": f"l{i}@bench.example"}],
                },
            }
        elif pick < 8:
            event = {
                "eventType": "Bounce",
                "mail": mail,
                "bounce": {
                    "bounceType": "Transient",
                    "bounceSubType": "MailboxFull",
                    "feedbackId": f"s{i}",
                    "timestamp": now,
                    "bouncedRecipients": [{"emailAddress": f"l{i}@bench.example"}],
                },
            }
        elif pick < 10:
            event = {
                "eventType": "Complaint",
                "mail": mail,
                "complaint": {
                    "feedbackId": f"c{i}",
                    "timestamp": now,
                    "complainedRecipients": [{"emailAddress": f"l{i}@bench.example"}],
                },
            }
        elif pick < 30:
            event = {
                "eventType": "Open",
                "mail": mail,
                "open": {"timestamp": now, "ipAddress": "192.0.2.1", "userAgent": "Mozilla/5.0"},
            }
        else:
            event = {
                "eventType": "Delivery",
                "mail": mail,
                "delivery": {"timestamp": now, "recipients": [f"l{i}@bench.example"]},
            }
        body = json.dumps(event)
        out.append(json.dumps({"Type": "Notification", "Message": body}) if i % 2 else body)
    return out


def replies(message_ids: Sequence[str]) -> list[bytes]:
    """Each corpus message as a reply to one seeded execution (its thread headers replaced)."""
    out = []
    for path, message_id in zip(sorted(CORPUS.glob("*.eml")), message_ids, strict=False):
        raw = _THREAD.sub(b"", path.read_bytes())
        thread = f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n".encode()
        out.append(thread + raw)
    return out


def inbound(engine: Engine, message_ids: Sequence[str]) -> list[dict[str, object]]:
    """The inbound rows: the service's path per message, beside the classifier alone."""
    mails = replies(message_ids)
    start = time.perf_counter()
    for raw in mails:
        classify(raw)
    alone = time.perf_counter() - start
    applied = Timer()
    with applied.run():
        summary = apply_feed(
            lambda: UnitOfWork(engine),
            QueueInMemory(mails, source="s3"),
            INBOUND_MAIL,
            lambda: datetime.now(UTC),
        )
    assert summary.dead_letters == 0, summary
    n = len(mails)
    classifier_ms, service_ms = alone / n * 1000, applied.seconds / n * 1000
    note = (
        f"{n - summary.unmatched} of {n} matched their execution. Of {service_ms:.1f} ms a"
        f" message, the classifier is {classifier_ms:.1f} ms; the rest is the message's own"
        " transaction (match, events, suppression, the enrollment's stop or delay), as each"
        " reply acts as soon as it is read. Replies come a few a minute per mailbox."
    )
    return [
        row("classifier alone, mail corpus", n / alone, "messages/s", messages=n,
            ms_per_message=round(classifier_ms, 2)),
        row("inbound mail: classify + match + apply, a transaction each", n / applied.seconds,
            "messages/s", baseline=round(n / alone, 1), ratio=f"{alone / applied.seconds:.2f}",
            messages=n, ms_per_message=round(service_ms, 2), matched=n - summary.unmatched,
            note=note),
    ]  # fmt: skip


def main() -> None:
    with scratch_engine("sequences_bench_ingest") as engine:
        with UnitOfWork(engine) as uow:
            seed(uow, N)
            uow.session.execute(
                text("""
                INSERT INTO sequence_step_executions (id, organization_id, enrollment_id,
                    step_position, step_type, status, idempotency_key, completed_at,
                    provider_message_id, message_id_header)
                SELECT gen_random_uuid(), organization_id, id, 0, 'email', 'sent',
                       id || ':0:1', now(), 'ses-' || id, '<' || id || '@bench.example>'
                FROM sequence_enrollments""")
            )
            uow.commit()
            # Statistics as a live database has them (autovacuum would, a minute later).
            uow.session.execute(text("ANALYZE"))
            executions = [
                (str(a), str(b), c)
                for a, b, c in uow.session.execute(
                    text(
                        "SELECT id, organization_id, provider_message_id"
                        " FROM sequence_step_executions ORDER BY id"
                    )
                )
            ]
        events = bodies(executions)

        baseline = Timer()
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("CREATE TEMP TABLE bare (message_id text, kind text, body jsonb)")
            with baseline.run():
                for start in range(0, N, BATCH):
                    rows = []
                    for body in events[start : start + BATCH]:
                        data = json.loads(body)
                        data = json.loads(data["Message"]) if "Message" in data else data
                        rows.append(
                            (data["mail"]["messageId"], data["eventType"], json.dumps(data))
                        )
                    cur.executemany("INSERT INTO bare VALUES (%s, %s, %s)", rows)
                    raw.commit()
        finally:
            raw.close()

        applied = Timer()
        with applied.run():
            summary = apply_feed(
                lambda: UnitOfWork(engine),
                QueueInMemory(events),
                SES_EVENTS,
                lambda: datetime.now(UTC),
            )
        assert summary.events == N, summary
        with engine.connect() as conn:
            headers = conn.execute(
                text("SELECT message_id_header FROM sequence_step_executions LIMIT 5000")
            ).scalars()
            mail_rows = inbound(engine, list(headers))
    report(
        "ingest",
        [
            {
                "what": "parse + bulk insert (baseline)",
                "events": N,
                "seconds": baseline.seconds,
                "events_per_s": N / baseline.seconds,
                "ratio": "-",
                "target": "-",
            },
            {
                "what": "parse + apply exactly once",
                "events": N,
                "seconds": applied.seconds,
                "events_per_s": N / applied.seconds,
                "ratio": f"{baseline.seconds / applied.seconds:.2f}",
                "target": ">= 2000/s",
            },
            *mail_rows,
        ],
    )


if __name__ == "__main__":
    main()
