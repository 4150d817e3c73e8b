"""Condition steps and tasks that hold, end to end on real PostgreSQL with a fake clock: the
API builds the template, the engine's cycle (what `sequences tick` runs) sends, real signed
clicks and opens arrive through the Flask tracking endpoints."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select, text

from sequences_core.db.models import SequenceEnrollment, SequenceStepExecution
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchContext
from tests.api_support import ALWAYS_OPEN, API, SECRET, build_app, tenant
from tests.conftest import FakeClock
from tests.test_tracking_endpoints import _links, _local

HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
SCANNER = "Barracuda Sentinel (EE)"
LINK = '<p>Hi {{ first_name }}, <a href="https://example.com/pricing">pricing</a></p>'


@pytest.fixture
def world(clean_db, tmp_path):
    app = build_app(clean_db, tmp_path)
    acme = tenant(clean_db, app.test_client(), "Acme")
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))
    ctx = DispatchContext(
        sender=OutboxSender(tmp_path / "outbox"), tokens=Tokens(SECRET),
        public_url="https://track.example", now=clock,
    )  # fmt: skip

    def cycle():
        return run_cycle(lambda: UnitOfWork(clean_db), ctx).dispatch

    yield app, acme, clock, cycle
    app.extensions["sequences"].hits.close()


def step(acme, template: str, kind: str, config: dict) -> str:
    made = acme.post(f"{API}/steps", {"template_id": template, "type": kind, "config": config})
    assert made.status_code == 201, made.json
    return made.json["id"]


END = {"rules": {"all": [{"field": "email", "op": "exists"}]}, "if_true": "end", "if_false": "end"}


def branching_template(acme, rule: dict) -> dict[str, str]:
    """A → condition(rule) → "yes" or "no": [A, condition, No, (end), Yes], the condition's
    targets by id, "no" stopped from running on into "yes" by a condition that always ends."""
    acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example", "from_name": "Dana"})
    template = acme.post(f"{API}/templates", {"name": "Branch", "settings": ALWAYS_OPEN}).json
    ids = {"template": template["id"]}
    ids["a"] = step(acme, template["id"], "email", {"subject": "A", "html": LINK})
    ids["cond"] = step(acme, template["id"], "condition", {"rules": {"all": [{"event": "opened"}]}})
    ids["no"] = step(acme, template["id"], "email", {"subject": "No", "html": "<p>n</p>"})
    ids["end"] = step(acme, template["id"], "condition", END)
    ids["yes"] = step(acme, template["id"], "email", {"subject": "Yes", "html": "<p>y</p>"})
    rule = {"all": [{**rule, "step": ids["a"]}]} if "event" in rule else {"all": [rule]}
    config = {"rules": rule, "if_true": ids["yes"], "if_false": ids["no"]}
    changed = acme.put(f"{API}/steps/{ids['cond']}", {"config": config})
    assert changed.status_code == 200, changed.json
    return ids


def enrol(acme, template: str, *emails: str, **custom) -> None:
    for address in emails:
        lead = acme.post(f"{API}/leads", {"email": address, "first_name": "X", **custom}).json
        acme.post(f"{API}/enrollments", {"template_id": template, "lead_id": lead["id"]})


def subjects(outbox) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found.setdefault(message["To"].addresses[0].addr_spec, []).append(str(message["Subject"]))
    return found


def first_email(outbox, to: str):
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"].addresses[0].addr_spec == to:
            return message
    raise AssertionError(f"nothing sent to {to}")


def age_sends(clean_db) -> None:
    """The sends happened an hour ago: hits now are not the prefetch seconds after delivery."""
    with clean_db.begin() as conn:
        conn.execute(
            text("UPDATE sequence_step_executions SET completed_at = completed_at - interval "
                 "'1 hour' WHERE status = 'sent'")
        )  # fmt: skip


def hit(app, url: str, agent: str) -> None:
    app.test_client().get(_local(url), headers={"User-Agent": agent})
    app.extensions["sequences"].hits.flush()


def test_a_real_click_branches_yes_a_machine_click_and_none_wait_then_branch_no(
    world, clean_db, tmp_path
):
    app, acme, clock, cycle = world
    ids = branching_template(acme, {"event": "clicked", "within": {"days": 2}})
    enrol(acme, ids["template"], "human@lead.example", "scanned@lead.example", "quiet@lead.example")
    assert cycle().sent == 3
    age_sends(clean_db)
    outbox = tmp_path / "outbox"
    hit(app, _links(first_email(outbox, "human@lead.example"))[1][0], HUMAN)
    hit(app, _links(first_email(outbox, "scanned@lead.example"))[1][0], SCANNER)

    clock.advance(timedelta(minutes=1))
    assert cycle().sent == 1  # the human click woke its enrollment; the others wait
    assert subjects(outbox)["human@lead.example"] == ["A", "Yes"]
    with UnitOfWork(clean_db) as read:
        waiting = read.session.scalars(
            select(SequenceEnrollment.awaiting_engagement).where(
                SequenceEnrollment.status == "active", SequenceEnrollment.current_step == 1
            )
        ).all()
    assert waiting == [True, True]

    clock.advance(timedelta(days=2))
    cycle()
    sent = subjects(outbox)
    assert sent["scanned@lead.example"] == sent["quiet@lead.example"] == ["A", "No"]
    with UnitOfWork(clean_db) as read:
        decided = read.session.scalars(
            select(SequenceStepExecution.detail).where(
                SequenceStepExecution.step_type == "condition"
            )
        ).all()
    branches = sorted(d["branch"] for d in decided)
    assert branches == ["if_false", "if_false", "if_true"]
    assert any("click at" in s for d in decided for s in d["seen"])


def test_an_open_within_two_days_decides_yes_when_it_arrives(world, clean_db, tmp_path):
    app, acme, clock, cycle = world
    ids = branching_template(acme, {"event": "opened", "within": {"days": 2}})
    enrol(acme, ids["template"], "reader@lead.example")
    cycle()
    age_sends(clean_db)
    clock.advance(timedelta(days=1))
    assert cycle().sent == 0  # nothing yet: waits, does not decide "no"
    hit(app, _links(first_email(tmp_path / "outbox", "reader@lead.example"))[0], HUMAN)
    clock.advance(timedelta(minutes=5))
    assert cycle().sent == 1
    assert subjects(tmp_path / "outbox")["reader@lead.example"][:2] == ["A", "Yes"]


def test_a_field_condition_on_a_custom_field(world, tmp_path):
    _app, acme, _clock, cycle = world
    ids = branching_template(acme, {"field": "custom_fields.tier", "op": "equals", "value": "gold"})
    enrol(acme, ids["template"], "gold@lead.example", custom_fields={"tier": "Gold"})
    enrol(acme, ids["template"], "lead@lead.example", custom_fields={"tier": "silver"})
    cycle()
    cycle()
    sent = subjects(tmp_path / "outbox")
    assert sent["gold@lead.example"][:2] == ["A", "Yes"]
    assert sent["lead@lead.example"][:2] == ["A", "No"]


def test_a_reorder_keeps_branch_targets_and_loops_without_waits_are_refused(world, tmp_path):
    _app, acme, _clock, cycle = world
    ids = branching_template(acme, {"field": "company", "op": "exists"})
    order = [ids["a"], ids["cond"], ids["yes"], ids["no"], ids["end"]]
    moved = acme.post(f"{API}/steps/reorder", {"template_id": ids["template"], "step_ids": order})
    assert moved.status_code == 200, moved.json
    listed = acme.get(f"{API}/steps?template_id={ids['template']}").json
    found = next(s for s in listed["items"] if s["id"] == ids["cond"])
    assert found["config"]["if_true"] == ids["yes"] and listed["warnings"] == []
    skip = {"rules": {"all": [{"event": "opened"}]}, "if_true": "end", "if_false": "end"}
    acme.put(f"{API}/steps/{ids['end']}", {"config": skip})
    acme.put(f"{API}/steps/{ids['cond']}", {"config": {**found["config"], "if_false": "end",
                                                        "if_true": "end"}})  # fmt: skip
    warned = acme.get(f"{API}/steps?template_id={ids['template']}").json["warnings"]
    assert warned and all("not reached" in w for w in warned)
    acme.put(f"{API}/steps/{ids['cond']}", {"config": found["config"]})
    acme.put(f"{API}/steps/{ids['end']}", {"config": END})
    enrol(acme, ids["template"], "co@lead.example", company="Acme")
    cycle()
    cycle()
    assert subjects(tmp_path / "outbox")["co@lead.example"][:2] == ["A", "Yes"]  # still "yes"

    loop = {"rules": {"all": [{"event": "opened"}]}, "if_true": "next", "if_false": ids["cond"]}
    refused = acme.put(f"{API}/steps/{ids['cond']}", {"config": loop})
    assert refused.status_code == 422
    assert "no wait" in refused.json["error"]["fields"]["config.if_false"]
    elsewhere = acme.post(f"{API}/templates", {"name": "Other"}).json
    other = step(acme, elsewhere["id"], "wait", {"days": 1})
    foreign = {"rules": {"all": [{"event": "opened"}]}, "if_true": other, "if_false": "end"}
    assert acme.put(f"{API}/steps/{ids['cond']}", {"config": foreign}).status_code == 422
    assert acme.delete(f"{API}/steps/{ids['yes']}").status_code == 422  # a branch targets it


def test_a_task_that_holds_wakes_its_enrollment_when_completed(world, tmp_path):
    _app, acme, clock, cycle = world
    acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example"})
    template = acme.post(f"{API}/templates", {"name": "Call first", "settings": ALWAYS_OPEN}).json
    step(acme, template["id"], "task", {"title": "Call {{ first_name }}", "wait_until_done": True})
    step(acme, template["id"], "email", {"subject": "After the call", "html": "<p>hi</p>"})
    enrol(acme, template["id"], "held@lead.example")
    cycle()
    clock.advance(timedelta(days=3))
    assert cycle().sent == 0 and not list((tmp_path / "outbox").glob("*.eml"))
    [task] = acme.get(f"{API}/tasks").json["items"]
    assert task["title"] == "Call X"
    assert acme.put(f"{API}/tasks/{task['id']}", {"status": "completed"}).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert cycle().sent == 1
    assert len(acme.get(f"{API}/tasks").json["items"]) == 1  # the task is not made again


def test_edits_never_strand_an_enrollment(world, clean_db, tmp_path):
    """Reordering keeps each enrollment on its step; deleting its step moves it on to the step
    that takes its place; a sent email is never sent again."""
    _app, acme, clock, cycle = world
    acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example"})
    template = acme.post(f"{API}/templates", {"name": "Edits", "settings": ALWAYS_OPEN}).json["id"]
    a = step(acme, template, "email", {"subject": "A", "html": "<p>a</p>"})
    wait = step(acme, template, "wait", {"days": 2})
    b = step(acme, template, "email", {"subject": "B", "html": "<p>b</p>"})
    c = step(acme, template, "email", {"subject": "C", "html": "<p>c</p>"})
    enrol(acme, template, "edit@lead.example")
    cycle()  # A went; the enrollment is on B, due after the wait

    def position() -> int:
        [e] = acme.get(f"{API}/enrollments").json["items"]
        return e["current_step"]

    assert position() == 2
    moved = acme.post(f"{API}/steps/reorder", {"template_id": template,
                                               "step_ids": [a, c, wait, b]})  # fmt: skip
    assert moved.status_code == 200 and position() == 3  # still on B, which moved
    assert acme.delete(f"{API}/steps/{c}").status_code == 200
    assert position() == 2  # a step before it went: still on B
    clock.advance(timedelta(days=2, minutes=1))
    cycle()
    cycle()
    assert subjects(tmp_path / "outbox")["edit@lead.example"] == ["A", "B"]  # C is behind it
    [e] = acme.get(f"{API}/enrollments").json["items"]
    assert e["status"] == "completed"
