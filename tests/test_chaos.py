"""`make chaos` in small: dispatcher processes under SES faults, kills, a PostgreSQL restart and
re-delivered feedback, judged from what the stand-in and the webhook receiver recorded; and
the checker shown to fail on a duplicate, a limit breach, an out-of-window or suppressed send,
a lost step and a stuck lease."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.chaos import checker
from benchmarks.chaos.checker import (
    Enrollment,
    Health,
    Limit,
    Outcomes,
    Plan,
    PlannedStep,
    StepOutcome,
    Window,
)
from benchmarks.chaos.run import Chaos, Size
from benchmarks.support.ses_standin import Faults

MONDAY_10_UTC = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
ORG = "0" * 31 + "1"


def _plan(**enrollment: Any) -> Plan:
    steps = (PlannedStep(0, "email", "s0"), PlannedStep(1, "webhook", "hook"))
    window = Window("UTC", time(9), time(17), frozenset({1, 2, 3, 4, 5}))
    lead = Enrollment("l@x.example", "e1", ORG, "a", window, steps, **enrollment)
    return Plan(
        {lead.lead: lead},
        mailbox_limits={"rep@a.example": Limit(2, "UTC")},
        template_limits={"a": Limit(5, "UTC")},
        org_limits={ORG: Limit(5, "UTC")},
    )


def _record(at: datetime, *, to: str = "l@x.example", position: int = 0, execution: str = "x1",
            answer: str = "sent") -> dict[str, Any]:  # fmt: skip
    return {"to": [to], "subject": f"[chaos a s{position}] Hi", "from": "rep@a.example",
            "date_header": format_datetime(at, usegmt=True), "answer": answer,
            "tags": {"org_id": ORG, "execution_id": execution}}  # fmt: skip


DELIVERED_HOOK = [{"key": "e1:hook", "status": 200}]
NO_OUTCOMES = Outcomes({}, {}, {"l@x.example": ("completed", None)})


def _failing(records: list[dict[str, Any]], *, plan: Plan | None = None,
             calls: list[dict[str, Any]] = DELIVERED_HOOK, outcomes: Outcomes = NO_OUTCOMES,
             health: Health | None = None) -> list[str]:  # fmt: skip
    verdicts = checker.check(plan or _plan(), records, calls, outcomes, health or Health())
    return [v.name[0] for v in verdicts if not v.ok]


def test_the_checker_passes_a_clean_record() -> None:
    assert _failing([_record(MONDAY_10_UTC)]) == []


def test_the_checker_fails_a_step_delivered_twice() -> None:
    twice = [_record(MONDAY_10_UTC), _record(MONDAY_10_UTC + timedelta(hours=1), execution="x2")]
    assert _failing(twice) == ["1"]


def test_a_dropped_answer_must_leave_its_execution_unknown() -> None:
    dropped = [_record(MONDAY_10_UTC, answer="dropped")]
    unknown = Outcomes({"x1": StepOutcome("unknown", "transport")}, {}, NO_OUTCOMES.enrollments)
    retried = Outcomes({"x1": StepOutcome("failed", "retry")}, {}, NO_OUTCOMES.enrollments)
    assert _failing(dropped, outcomes=unknown) == []
    assert _failing(dropped, outcomes=retried) == ["1"]


def test_the_checker_fails_a_lost_step_unless_it_failed_with_a_reason() -> None:
    assert _failing([_record(MONDAY_10_UTC)], calls=[]) == ["2"]  # the webhook never went
    explained = Outcomes({}, {("l@x.example", 1): StepOutcome("failed", "503 four times")},
                         NO_OUTCOMES.enrollments)  # fmt: skip
    assert _failing([_record(MONDAY_10_UTC)], calls=[], outcomes=explained) == []


def test_the_checker_fails_a_daily_limit_breach() -> None:
    plan, leads = _plan(), [f"l{i}@x.example" for i in range(3)]
    one = plan.enrollments["l@x.example"]
    enrollments = {lead: replace(one, lead=lead) for lead in leads}
    plan = replace(plan, enrollments=enrollments)
    records = [_record(MONDAY_10_UTC + timedelta(minutes=i), to=lead, execution=f"x{i}")
               for i, lead in enumerate(leads)]  # fmt: skip
    outcomes = Outcomes({}, {}, dict.fromkeys(leads, ("completed", None)))
    assert _failing(records, plan=plan, outcomes=outcomes) == ["3"]  # the mailbox allows 2
    assert _failing(records[:2], plan=plan, outcomes=outcomes) == ["2"]  # l2 is owed s0


def test_the_checker_fails_a_send_outside_the_window_or_to_a_suppressed_lead() -> None:
    saturday = MONDAY_10_UTC - timedelta(days=2)
    assert _failing([_record(MONDAY_10_UTC.replace(hour=18))]) == ["4"]
    assert _failing([_record(saturday)]) == ["4"]
    suppressed = _plan(suppressed_from=MONDAY_10_UTC - timedelta(minutes=1))
    assert _failing([_record(MONDAY_10_UTC)], plan=suppressed) == ["4"]


def test_the_checker_fails_a_stuck_lease_or_a_run_that_needs_a_person() -> None:
    assert _failing([_record(MONDAY_10_UTC)], health=Health(stuck_leases=1)) == ["5"]
    assert _failing([_record(MONDAY_10_UTC)], health=Health(unexpected_exits=1)) == ["5"]


@pytest.mark.timeout(300)
def test_a_short_chaos_run_keeps_every_promise(tmp_path: Path) -> None:
    lines: list[str] = []
    size = Size(leads=80, rounds=4, round_hours=6, kill_share=1.0, dispatchers=3,
                max_drain_rounds=40, batch_size=20)  # fmt: skip
    # A short run makes ~150 requests: faults dense enough that each kind surely lands.
    faults = Faults(latency_ms=2, rate=300, burst=60, error_share=0.12, reject_share=0.03,
                    drop_share=0.03)  # fmt: skip
    chaos = Chaos(20261204, size, tmp_path, lines.append, faults)
    verdicts = chaos.run()
    report = "\n".join([*lines, *(v.line() for v in verdicts)])
    assert all(v.ok for v in verdicts), report
    assert chaos.tally.restarts == 1, report
    assert sum(1 for line in lines if line.startswith("round")) == chaos.tally.rounds
    stats = chaos.standin.stats()
    assert stats["sent"] > 100 and stats.get("errors", 0) > 0, report
    assert stats.get("dropped", 0) > 0 and stats.get("rejected", 0) > 0, report


def test_the_flaky_receiver_drops_at_once_and_takes_a_key_once() -> None:
    """A dropped answer is a closed connection the client hears at once (not its timeout), and
    a key answered 2xx is answered 200 again as a repeat, not a second delivery."""
    import http.client
    import json

    from benchmarks.support.webhook_receiver import Flakiness, WebhookReceiver

    def post(port: int, key: str) -> int | None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/hook", json.dumps({"attempt": 1}), {"Idempotency-Key": key})
            return conn.getresponse().status
        except TimeoutError as err:  # a drop that leaves the socket open: the caller's 10 s
            raise AssertionError("neither an answer nor a closed connection") from err
        except (ConnectionError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    with WebhookReceiver(flakiness=Flakiness(drop_share=1.0)) as dropping:
        port = int(dropping.url.split(":")[2].split("/")[0])
        assert post(port, "e:s") is None
        assert post(port, "e:s") == 200  # taken before the drop: a repeat now
    assert [c["answer"] for c in dropping.calls] == ["dropped", "repeat"]
    with WebhookReceiver(flakiness=Flakiness(fail_share=0.5), seed=3) as flaky:
        port = int(flaky.url.split(":")[2].split("/")[0])
        answers = [post(port, f"e{i}:s") for i in range(20)]
    assert set(answers) == {200, 503}
    assert sum(c["answer"] == "delivered" for c in flaky.calls) == answers.count(200)
