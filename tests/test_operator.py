"""The operator's verbs through the API: keys, mailboxes, organization settings, pauses and
resumes after the reputation guard, suppressions removed; each org-scoped and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sequences_core.db.models import Suppression
from sequences_core.rules.limits import warmup_limit
from sequences_core.schemas import LeadIn
from sequences_core.services.cycle import run_cycle
from sequences_core.services.mailboxes import resume_mailbox
from sequences_core.services.reputation import guard_reputation, reputation_report
from tests.api_support import ALWAYS_OPEN, API
from tests.api_support import sequence as sequence_api
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, context, email_step, enrol, mailbox, sequence
from tests.test_feedback_rules import NOW, history


def audit(tenant) -> list[dict]:
    return tenant.get(f"{API}/audit").json["items"]


def test_api_keys_list_create_revoke_and_the_audit_says_who(acme, rival):
    [default] = acme.get(f"{API}/api-keys").json["items"]
    assert acme.key.startswith(f"sq_{default['prefix']}_") and "key" not in default
    assert default["last_used_at"] is not None  # the list call itself used it
    created = acme.post(f"{API}/api-keys", {"name": "crm-sync"})
    assert created.status_code == 201 and created.json["key"].startswith("sq_")
    new_key = {"Authorization": f"Bearer {created.json['key']}"}
    assert acme.client.get(f"{API}/templates", headers=new_key).status_code == 200
    listed = acme.get(f"{API}/api-keys").json["items"]
    assert [k["name"] for k in listed] == ["crm-sync", "default"]
    assert all("key" not in k for k in listed)

    assert rival.delete(f"{API}/api-keys/{created.json['id']}").status_code == 404
    assert acme.client.get(f"{API}/templates", headers=new_key).status_code == 200
    revoked = acme.delete(f"{API}/api-keys/{created.json['id']}")
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert acme.client.get(f"{API}/templates", headers=new_key).status_code == 401
    assert acme.delete(f"{API}/api-keys/{created.json['id']}").status_code == 200  # idempotent
    actions = [(e["action"], e["actor"]) for e in audit(acme)]
    me = f"api_key:{default['prefix']}"
    assert actions == [("api_key.revoke", me), ("api_key.create", me)]
    assert audit(rival) == []
    refused = acme.post(f"{API}/api-keys", {"name": ""}).json["error"]["fields"]
    assert refused.keys() == {"body.name"}


def test_mailbox_update_pause_resume_are_scoped_validated_and_audited(acme, rival):
    box = acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example"}).json
    path = f"{API}/mailboxes/{box['id']}"
    changed = acme.client.patch(
        path, headers=acme.auth,
        json={"from_name": "Dana K", "daily_limit": 50, "timezone": "Europe/Berlin",
              "warmup": {"start_per_day": 5, "increase_per_day": 5, "target": 40}},
    )  # fmt: skip
    assert changed.status_code == 200, changed.json
    assert (changed.json["from_name"], changed.json["daily_limit"]) == ("Dana K", 50)
    assert changed.json["warmup"]["start_date"] and changed.json["todays_limit"] == 5
    assert changed.json["reply_to"] is None  # not named: unchanged
    for body, field in (
        ({"from_name": "Dana\r\nBcc: x@evil.example"}, "from_name"),
        ({"daily_limit": None}, "daily_limit"),
        ({"daily_limit": 0}, "daily_limit"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"warmup": {"start_per_day": 50, "target": 10}}, "warmup"),
        ({"nope": 1}, "nope"),
    ):
        refused = acme.client.patch(path, headers=acme.auth, json=body)
        assert refused.status_code == 422 and field in str(refused.json["error"]["fields"]), body
    assert acme.get(path).json["from_name"] == "Dana K"  # nothing half-written
    ended = acme.client.patch(path, headers=acme.auth, json={"warmup": None}).json
    assert ended["warmup"] == {} and ended["todays_limit"] == 50

    for verb in ("GET", "PATCH"):
        assert rival.client.open(path, method=verb, headers=rival.auth, json={}).status_code == 404
    for action in ("pause", "resume"):
        assert rival.post(f"{path}/{action}", {"reason": "x"}).status_code == 404
    assert acme.post(f"{path}/resume", {"reason": "x"}).status_code == 409
    assert acme.post(f"{path}/pause", {}).json["error"]["fields"].keys() == {"body.reason"}
    paused = acme.post(f"{path}/pause", {"reason": "domain moving"}).json
    assert (paused["status"], paused["paused_reason"]) == ("paused", "manual: domain moving")
    assert acme.post(f"{path}/resume", {"reason": "moved"}).json["status"] == "active"
    entries = audit(acme)
    assert [e["action"] for e in entries] == [
        "mailbox.resume",
        "mailbox.pause",
        "mailbox.update",
        "mailbox.update",
    ]
    assert entries[0]["reason"] == "moved"
    assert entries[0]["details"]["was"] == "manual: domain moving"
    assert entries[-1]["details"]["after"]["daily_limit"] == 50


def test_a_warm_up_set_through_the_api_caps_what_the_engine_sends(acme, clean_db, tmp_path):
    box = acme.post(f"{API}/mailboxes", {"from_email": "dana@sender.example"}).json
    acme.client.patch(
        f"{API}/mailboxes/{box['id']}", headers=acme.auth,
        json={"warmup": {"start_per_day": 3, "increase_per_day": 1, "target": 100}},
    )  # fmt: skip
    from sequences_core.db.uow import UnitOfWork

    with UnitOfWork(clean_db) as uow:
        template = sequence(uow, acme.org_id, [email_step("Hi")], **ALWAYS)
        leads = [LeadIn(email=f"l{i}@lead.example", first_name="L") for i in range(8)]
        enrol(uow, acme.org_id, template, leads, datetime.now(UTC))
    clock = FakeClock(datetime.now(UTC))
    summary = run_cycle(lambda: UnitOfWork(clean_db), context(tmp_path, clock)).dispatch
    assert (summary.sent, summary.deferred_limit) == (3, 5), summary


@given(
    limit=st.integers(1, 5000),
    start=st.integers(1, 500),
    step=st.integers(0, 100),
    extra=st.integers(0, 2000),
    day=st.integers(-5, 400),
)
def test_warm_up_ramps_to_its_target_never_past_the_limit(limit, start, step, extra, day):
    began = datetime(2026, 1, 1).date()
    ramp = {"start_date": began.isoformat(), "start_per_day": start,
            "increase_per_day": step, "target": start + extra}  # fmt: skip
    today = began + timedelta(days=day)
    allowed = warmup_limit(limit, ramp, today)
    assert 1 <= allowed <= limit
    planned = start + max(0, day) * step
    if planned >= start + extra:
        assert allowed == limit  # the warm-up is over: the daily limit alone
    else:
        assert allowed == min(limit, planned)
    assert warmup_limit(limit, {}, today) == limit


def test_resume_after_the_reputation_guard_is_recorded_and_not_undone(uow, org_id):
    box = mailbox(uow, org_id)
    history(uow, org_id, box, sends=200, bounces=10)
    assert guard_reputation(uow, NOW)
    report = reputation_report(uow, org_id, NOW)
    [standing] = report.mailboxes
    assert (standing.verdict.sent, standing.verdict.bounces) == (200, 10)
    assert standing.status == "paused" and "5.0% hard bounces" in standing.paused_reason
    assert standing.verdict.reason is not None  # still over the line: why it was paused
    resume_mailbox(uow, org_id, box.id, "list cleaned", "cli:ops", NOW)
    assert guard_reputation(uow, NOW + timedelta(minutes=10)) == []  # counts from the resume
    uow.session.refresh(box)
    assert box.status == "active" and box.reputation_since == NOW
    later = reputation_report(uow, org_id, NOW + timedelta(minutes=10)).mailboxes[0]
    assert later.verdict.sent == 0 and later.counted_since == NOW


def test_reputation_and_organization_settings_through_the_api(acme, rival):
    acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example"})
    seen = acme.get(f"{API}/reputation").json
    assert seen["max_bounce_rate"] == 0.05 and seen["min_sends"] == 200
    assert [m["name"] for m in seen["mailboxes"]] == ["dana@acme.example"]
    assert seen["organization"]["rates"]["sent"] == 0
    assert rival.get(f"{API}/reputation").json["mailboxes"] == []

    org = acme.get(f"{API}/organization").json
    assert (org["daily_limit"], org["store_full_ip"], org["timezone"]) == (None, False, "UTC")
    changed = acme.client.patch(
        f"{API}/organization", headers=acme.auth,
        json={"daily_limit": 900, "store_full_ip": True, "timezone": "America/Chicago"},
    ).json  # fmt: skip
    assert (changed["daily_limit"], changed["store_full_ip"]) == (900, True)
    for body, field in (({"timezone": "Nowhere"}, "timezone"), ({"name": None}, "name"),
                        ({"daily_limit": -1}, "daily_limit")):  # fmt: skip
        refused = acme.client.patch(f"{API}/organization", headers=acme.auth, json=body)
        assert refused.status_code == 422 and f"body.{field}" in refused.json["error"]["fields"]
    assert rival.get(f"{API}/organization").json["timezone"] == "UTC"
    assert acme.post(f"{API}/organization/resume", {"reason": "x"}).status_code == 409
    acme.post(f"{API}/organization/pause", {"reason": "audit"})
    assert acme.get(f"{API}/organization").json["paused_reason"] == "manual: audit"
    assert acme.post(f"{API}/organization/resume", {"reason": "done"}).status_code == 200
    [resumed, _paused, update] = audit(acme)
    assert resumed["action"] == "organization.resume" and resumed["reason"] == "done"
    assert update["details"]["before"]["daily_limit"] is None


@pytest.mark.parametrize("reason", ["manual", "complaint"])
def test_removing_a_suppression_lets_the_lead_be_enrolled_again(acme, rival, clean_db, reason):
    ids = sequence_api(acme, settings=ALWAYS_OPEN)
    acme.post(f"{API}/suppressions", {"email": "bob@lead.example"})
    from sequences_core.db.uow import UnitOfWork

    with UnitOfWork(clean_db) as uow:
        row = uow.session.query(Suppression).one()
        row.reason = reason
        uow.commit()
        sid = row.id
    path = f"{API}/suppressions/{sid}?reason=asked+to+be+mailed"
    assert rival.delete(path).status_code == 404
    assert acme.delete(f"{API}/suppressions/{sid}").status_code == 422  # reason is required
    if reason == "complaint":
        refused = acme.delete(path)
        assert refused.status_code == 409 and "force" in refused.json["error"]["fields"]
        path += "&force=true"
    removed = acme.delete(path)
    assert removed.status_code == 200 and removed.json["email"] == "bob@lead.example"
    assert acme.get(f"{API}/suppressions").json["items"] == []
    [entry, *_] = audit(acme)
    assert entry["action"] == "suppression.remove" and entry["details"]["was"] == reason
    assert entry["details"]["forced"] is (reason == "complaint")
    again = {"template_id": ids["template"], "lead_id": ids["lead"]}
    assert acme.post(f"{API}/enrollments", again).status_code == 201
