"""Apply 50,000 SES events (parse + exactly-once application) through the feed service, in the
SQS drain's batch size, beside a baseline that only parses the same JSON and bulk-inserts one
row per event.

Target (feedback issue): >= 2,000 events/s on this machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from benchmarks.dispatch import seed
from benchmarks.harness import Timer, report, scratch_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.feeds.base import FeedMessage, Seen
from sequences_core.feeds.sqs import MESSAGES_PER_COMMIT
from sequences_core.services.feed_apply import SES_EVENTS, apply_feed

N = int(os.environ.get("BENCH_INGEST_N", "50000"))
BATCH = MESSAGES_PER_COMMIT


@dataclass(frozen=True)
class QueueInMemory:
    """The SQS feed without the network: what is measured is the service's path."""

    bodies: list[str]
    source: str = "sqs"
    keeps_messages: bool = False

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        for i, body in enumerate(self.bodies):
            yield FeedMessage(key=str(i), body=body.encode(), uri=f"bench://{i}")

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


def main() -> None:
    with scratch_engine("sequences_bench_ingest") as engine:
        with UnitOfWork(engine) as uow:
            seed(uow, N)
            uow.session.execute(
                text("""
                INSERT INTO sequence_step_executions (id, organization_id, enrollment_id,
                    step_position, step_type, status, idempotency_key, completed_at,
                    provider_message_id)
                SELECT gen_random_uuid(), organization_id, id, 0, 'email', 'sent',
                       id || ':0:1', now(), 'ses-' || id FROM sequence_enrollments""")
            )
            uow.commit()
            # Statistics as a live database has them (autovacuum would, a minute later).
            uow.session.execute(text("ANALYZE"))
            executions = [
                (str(a), str(b), c)
                for a, b, c in uow.session.execute(
                    text(
                        "SELECT id, organization_id, provider_message_id"
                        " FROM sequence_step_executions"
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
        ],
    )


if __name__ == "__main__":
    main()
