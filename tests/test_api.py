"""The REST API through Flask's test client, on real PostgreSQL: every resource, its errors."""

from __future__ import annotations

import email
import uuid
from email import policy

import pytest

from sequences_core.db.uow import UnitOfWork
from sequences_core.services.organizations import revoke_api_key
from tests.api_support import ALWAYS_OPEN, API, sequence


def test_templates_crud_list_filters_and_pagination(acme):
    ids = []
    for i in range(5):
        body = {"name": f"Seq {i}", "category": "nurture" if i % 2 else "cold_outreach"}
        answer = acme.post(f"{API}/templates", body)
        assert answer.status_code == 201
        assert answer.json["metrics"]["sent"] == 0
        ids.append(answer.json["id"])
    first = acme.get(f"{API}/templates?limit=2").json
    assert [t["name"] for t in first["items"]] == ["Seq 4", "Seq 3"]
    second = acme.get(f"{API}/templates?limit=2&cursor={first['next_cursor']}").json
    third = acme.get(f"{API}/templates?limit=2&cursor={second['next_cursor']}").json
    names = [t["name"] for page in (first, second, third) for t in page["items"]]
    assert names == ["Seq 4", "Seq 3", "Seq 2", "Seq 1", "Seq 0"]
    assert third["next_cursor"] is None
    nurture = acme.get(f"{API}/templates?category=nurture").json["items"]
    assert {t["name"] for t in nurture} == {"Seq 1", "Seq 3"}
    assert [t["name"] for t in acme.get(f"{API}/templates?q=seq 2").json["items"]] == ["Seq 2"]

    changed = acme.put(f"{API}/templates/{ids[0]}", {"settings": {"daily_limit": 30}})
    assert changed.status_code == 200
    assert changed.json["settings"]["daily_limit"] == 30
    assert changed.json["name"] == "Seq 0"  # only the fields given change

    gone = acme.delete(f"{API}/templates/{ids[0]}")
    assert gone.status_code == 200 and gone.json["deleted"] is True
    assert acme.get(f"{API}/templates/{ids[0]}").status_code == 404
    listed = acme.get(f"{API}/templates?include_deleted=true&limit=200").json["items"]
    deleted = next(t for t in listed if t["id"] == ids[0])
    assert deleted["deleted_at"] is not None
    assert ids[0] not in {t["id"] for t in acme.get(f"{API}/templates").json["items"]}


def test_invalid_settings_are_rejected_naming_the_field(acme):
    answer = acme.post(
        f"{API}/templates",
        {"name": "x", "settings": {"timezone": "Mars/Base", "send_window": {"start": "18:00",
                                                                          "end": "09:00"}}},
    )  # fmt: skip
    assert answer.status_code == 422
    fields = answer.json["error"]["fields"]
    assert "body.settings.timezone" in fields
    assert "body.settings.send_window" in fields


def test_steps_add_validate_reorder_and_delete(acme):
    ids = sequence(acme)
    wait = acme.post(
        f"{API}/steps", {"template_id": ids["template"], "type": "wait", "config": {"days": 2}}
    )
    assert wait.status_code == 201 and wait.json["position"] == 1
    bad = acme.post(
        f"{API}/steps",
        {"template_id": ids["template"], "type": "email",
         "config": {"subject": "Hi {{ first_name", "html": "<p>x</p>"}},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "line 1" in bad.json["error"]["fields"]["config.subject"]
    listed = acme.get(f"{API}/steps?template_id={ids['template']}").json["items"]
    assert [s["type"] for s in listed] == ["email", "wait"]
    reordered = acme.post(
        f"{API}/steps/reorder",
        {"template_id": ids["template"], "step_ids": [wait.json["id"], ids["step"]]},
    )
    assert [s["type"] for s in reordered.json["items"]] == ["wait", "email"]
    partial = acme.post(
        f"{API}/steps/reorder", {"template_id": ids["template"], "step_ids": [ids["step"]]}
    )
    assert partial.status_code == 422
    updated = acme.put(f"{API}/steps/{wait.json['id']}", {"config": {"hours": 4}})
    assert updated.json["config"] == {"days": 0, "hours": 4, "business_days": 0}
    assert updated.json["version"] == 2
    assert acme.delete(f"{API}/steps/{wait.json['id']}").status_code == 200
    assert [
        s["id"] for s in acme.get(f"{API}/steps?template_id={ids['template']}").json["items"]
    ] == [ids["step"]]


def test_enrol_one_and_bulk_with_a_reason_for_every_skip(acme):
    ids = sequence(acme)
    one = acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert one.status_code == 201 and one.json["status"] == "active"
    again = acme.post(
        f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]}
    )
    assert again.status_code == 409
    acme.post(f"{API}/suppressions", {"email": "blocked@lead.example"})
    bulk = acme.post(
        f"{API}/enrollments/bulk",
        {
            "template_id": ids["template"],
            "lead_ids": [ids["lead"], "not-a-uuid", str(uuid.uuid4())],
            "leads": [
                {"email": "new1@lead.example", "first_name": "New"},
                {"email": "blocked@lead.example"},
            ],
        },
    )
    assert bulk.status_code == 200
    assert bulk.json["enrolled"] == 1 and bulk.json["leads_created"] == 2
    reasons = sorted(s["reason"] for s in bulk.json["skips"])
    assert reasons == ["already_enrolled", "invalid_id", "lead_not_found", "suppressed"]
    too_many = acme.post(
        f"{API}/enrollments/bulk", {"template_id": ids["template"], "lead_ids": ["x"] * 10_001}
    )
    assert too_many.status_code == 422


def test_enrollment_status_changes_and_listing(acme):
    ids = sequence(acme)
    enrollment = acme.post(
        f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]}
    ).json
    path = f"{API}/enrollments/{enrollment['id']}/status"
    paused = acme.put(path, {"action": "pause", "reason": "call scheduled"})
    assert paused.json["status"] == "paused" and paused.json["paused_reason"] == "call scheduled"
    assert paused.json["next_run_at"] is None
    listed = acme.get(f"{API}/enrollments?lead_id={ids['lead']}&status=paused").json["items"]
    assert [e["id"] for e in listed] == [enrollment["id"]]
    assert acme.get(f"{API}/enrollments?paused_reason=call").json["items"]
    assert not acme.get(f"{API}/enrollments?paused_reason=missing_variable").json["items"]
    resumed = acme.put(path, {"action": "resume"})
    assert resumed.json["status"] == "active" and resumed.json["next_run_at"] is not None
    stopped = acme.put(path, {"action": "stop"})
    assert stopped.json["status"] == "stopped"
    assert acme.put(path, {"action": "resume"}).status_code == 409
    assert acme.put(path, {"action": "explode"}).status_code == 422


def test_execute_sends_and_metrics_count_it(acme, tmp_path):
    ids = sequence(acme, settings=ALWAYS_OPEN)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    ran = acme.post(f"{API}/execute", {})
    assert ran.status_code == 200
    assert ran.json["summary"]["sent"] == 1
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "bob@lead.example"
    assert "List-Unsubscribe-Post" in message
    report = acme.get(f"{API}/metrics").json
    assert report["overall"]["sent"] == 1 and report["overall"]["enrolled"] == 1
    [per] = report["templates"]
    assert per["template_id"] == ids["template"] and per["name"] == "Cold"
    listed = acme.get(f"{API}/templates").json["items"][0]
    assert listed["metrics"]["sent"] == 1
    future = acme.get(f"{API}/metrics?from=2099-01-01T00:00:00Z").json
    assert future["overall"]["sent"] == 0
    assert (
        acme.get(f"{API}/metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").status_code
        == 422
    )


def test_missing_variable_pauses_and_is_listed(acme):
    ids = sequence(acme, settings=ALWAYS_OPEN)
    acme.put(
        f"{API}/steps/{ids['step']}",
        {"config": {"subject": "For {{ company }}", "html": "<p>Hi {{ first_name }}</p>"}},
    )
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert acme.post(f"{API}/execute", {}).json["summary"]["sent"] == 0
    [paused] = acme.get(f"{API}/enrollments?paused_reason=missing_variable").json["items"]
    assert paused["paused_reason"] == "missing_variable: company"


def test_preview_renders_exactly_as_sent_and_reports_missing_variables(acme):
    ids = sequence(acme)
    answer = acme.get(f"{API}/templates/{ids['template']}/preview?lead_id={ids['lead']}")
    assert answer.status_code == 200
    [preview] = answer.json["emails"]
    assert preview["subject"] == "Hello Bob"
    assert "https://track.example/api/sequences/track/click?eid=" in preview["html"]
    assert "track/open?eid=" in preview["html"]
    assert "Unsubscribe" in preview["text"] and "pricing" in preview["text"]
    assert preview["headers"]["from"] == "dana@acme.example"
    nameless = acme.post(f"{API}/leads", {"email": "anon@lead.example"}).json
    missing = acme.get(f"{API}/templates/{ids['template']}/preview?lead_id={nameless['id']}")
    assert missing.json["emails"][0]["error"] == "missing_variable: first_name"
    assert acme.get(f"{API}/templates/{ids['template']}/preview").status_code == 422


def test_test_send_goes_only_to_own_domains(acme, tmp_path):
    ids = sequence(acme)
    path = f"{API}/templates/{ids['template']}/test-send"
    refused = acme.post(path, {"to": "someone@gmail.com"})
    assert refused.status_code == 422 and "to" in refused.json["error"]["fields"]
    sent = acme.post(path, {"to": "me@acme.example", "lead_id": ids["lead"]})
    assert sent.status_code == 200, sent.json
    assert sent.json["subject"] == "[Test] Hello Bob"
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "me@acme.example"
    assert acme.get(f"{API}/enrollments").json["items"] == []  # a test is not an enrollment


def test_leads_crud_search_and_custom_fields(acme):
    created = acme.post(
        f"{API}/leads",
        {"email": "Ann@Corp.example", "first_name": "Ann", "custom_fields": {"plan": "pro"}},
    )
    assert created.status_code == 201 and created.json["created"] is True
    again = acme.post(f"{API}/leads", {"email": "ann@corp.example", "company": "Corp"})
    assert again.status_code == 200 and again.json["created"] is False
    assert again.json["first_name"] == "Ann" and again.json["company"] == "Corp"
    lead_id = created.json["id"]
    changed = acme.put(
        f"{API}/leads/{lead_id}", {"custom_fields": {"plan": None, "seats": 5}, "title": "CTO"}
    )
    assert changed.json["custom_fields"] == {"seats": 5} and changed.json["title"] == "CTO"
    acme.post(f"{API}/leads", {"email": "zed@other.example"})
    clash = acme.put(f"{API}/leads/{lead_id}", {"email": "zed@other.example"})
    assert clash.status_code == 409
    # the domain is case-insensitive and stored lower-cased; the local part is kept as given
    assert [x["email"] for x in acme.get(f"{API}/leads?q=corp").json["items"]] == [
        "Ann@corp.example"
    ]
    assert acme.delete(f"{API}/leads/{lead_id}").status_code == 200
    assert acme.get(f"{API}/leads/{lead_id}").status_code == 404
    bad = acme.post(f"{API}/leads", {"email": "not-an-email", "timezone": "Nowhere/City"})
    assert set(bad.json["error"]["fields"]) == {"body.email", "body.timezone"}
    nul = acme.post(
        f"{API}/leads",
        {"email": "n@corp.example", "company": "C\u0000", "custom_fields": {"note": ["a\u0000"]}},
    )  # PostgreSQL cannot store NUL: named per field, not a failed statement
    assert nul.status_code == 422
    assert set(nul.json["error"]["fields"]) == {"body.company", "body.custom_fields.note"}


def test_csv_import_reports_each_bad_line(acme):
    csv = (
        b"Email,First Name,Company,Plan\n"
        b"a@x.example,Ann,X,pro\n"
        b"broken,Bob,Y,free\n"
        b"c@x.example,Cat,Z,free\n"
    )
    answer = acme.post(f"{API}/leads/import", data=csv, content_type="text/csv")
    assert answer.status_code == 200
    assert answer.json["created"] == 2
    [error] = answer.json["errors"]
    assert error["line"] == 3 and error["field"] == "email"
    listed = acme.get(f"{API}/leads?q=a@x.example").json["items"]
    assert listed[0]["custom_fields"] == {"plan": "pro"}
    assert acme.post(f"{API}/leads/import", data=b"", content_type="text/csv").status_code == 400


def test_mailboxes_suppressions_and_tasks(acme, clean_db):
    assert acme.post(f"{API}/mailboxes", {"from_email": "a@acme.example"}).status_code == 201
    assert acme.post(f"{API}/mailboxes", {"from_email": "A@acme.example"}).status_code == 409
    assert len(acme.get(f"{API}/mailboxes").json["items"]) == 1
    ids = sequence(acme)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    suppressed = acme.post(f"{API}/suppressions", {"email": "BOB@lead.example"})
    assert suppressed.status_code == 201 and suppressed.json["stopped_enrollments"] == 1
    assert acme.post(f"{API}/suppressions", {"email": "bob@lead.example"}).status_code == 201
    assert [s["reason"] for s in acme.get(f"{API}/suppressions").json["items"]] == ["manual"]
    task_template = acme.post(f"{API}/templates", {"name": "Calls", "settings": ALWAYS_OPEN}).json
    acme.post(
        f"{API}/steps",
        {"template_id": task_template["id"], "type": "task",
         "config": {"title": "Call {{ first_name }}"}},
    )  # fmt: skip
    lead = acme.post(f"{API}/leads", {"email": "eve@lead.example", "first_name": "Eve"}).json
    acme.post(f"{API}/enrollments", {"template_id": task_template["id"], "lead_id": lead["id"]})
    acme.post(f"{API}/execute", {})
    [task] = acme.get(f"{API}/tasks?status=open").json["items"]
    assert task["title"] == "Call Eve"
    done = acme.put(f"{API}/tasks/{task['id']}", {"status": "completed"})
    assert done.json["status"] == "completed" and done.json["completed_at"]
    assert acme.get(f"{API}/tasks?status=open").json["items"] == []


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request"),
        ({"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415,
         "unsupported_media_type"),
        ({"json": {"name": "x", "colour": "red"}}, 422, "invalid_input"),
        ({"json": {"name": 12}}, 422, "invalid_input"),
        ({"json": ["not", "an", "object"]}, 422, "invalid_input"),
        ({"data": b"{" + b" " * (17 * 1024 * 1024) + b"}", "content_type": "application/json"},
         413, "request_entity_too_large"),
    ],
)  # fmt: skip
def test_bad_bodies_get_a_clear_4xx(acme, kwargs, status, code):
    answer = acme.client.post(f"{API}/templates", headers=acme.auth, **kwargs)
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code


def test_auth_missing_wrong_and_revoked_keys(acme, clean_db):
    assert acme.client.get(f"{API}/templates").status_code == 401
    wrong = acme.client.get(f"{API}/templates", headers={"Authorization": "Bearer sq_abc_def"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert acme.get(f"{API}/templates").status_code == 200
    with UnitOfWork(clean_db) as uow:
        from sqlalchemy import select

        from sequences_core.db.models import ApiKey

        key_id = uow.session.scalar(select(ApiKey.id).where(ApiKey.organization_id == acme.org_id))
        revoke_api_key(uow, acme.org_id, key_id, "cli:test")
    assert acme.get(f"{API}/templates").status_code == 401


def test_unknown_route_and_method_answer_json(acme):
    assert acme.get(f"{API}/nothing-here").json["error"]["code"] == "not_found"
    answer = acme.client.patch(f"{API}/templates", headers=acme.auth)
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]


def test_enrollment_endpoints_are_rate_limited_per_key(app, acme, rival):
    app.extensions["sequences"].api_rate = 1.0
    app.extensions["sequences"].api_burst = 3.0
    ids = sequence(acme)
    path = f"{API}/enrollments"
    codes = [acme.post(path, {"template_id": ids["template"], "lead_id": ids["lead"]}).status_code
             for _ in range(5)]  # fmt: skip
    assert codes[:3] == [201, 409, 409] and codes[3:] == [429, 429]
    limited = acme.post(path, {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert int(limited.headers["Retry-After"]) >= 1
    other = rival.post(path, {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert other.status_code == 404  # another key has its own bucket (and org A is invisible)
    assert acme.get(f"{API}/templates").status_code == 200  # only enrollment routes are limited


def test_another_organizations_resources_answer_404_on_every_route(acme, rival):
    ids = sequence(acme, settings=ALWAYS_OPEN)
    enrollment = acme.post(
        f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]}
    ).json
    task_template = acme.post(f"{API}/templates", {"name": "Calls", "settings": ALWAYS_OPEN}).json
    acme.post(
        f"{API}/steps",
        {"template_id": task_template["id"], "type": "task", "config": {"title": "Call"}},
    )
    acme.post(f"{API}/enrollments", {"template_id": task_template["id"], "lead_id": ids["lead"]})
    acme.post(f"{API}/execute", {})
    [task] = acme.get(f"{API}/tasks").json["items"]
    t, s, lead, e = ids["template"], ids["step"], ids["lead"], enrollment["id"]
    calls = [
        ("get", f"{API}/templates/{t}", None),
        ("put", f"{API}/templates/{t}", {"name": "mine now"}),
        ("delete", f"{API}/templates/{t}", None),
        ("get", f"{API}/templates/{t}/preview?lead_id={lead}", None),
        ("post", f"{API}/templates/{t}/test-send", {"to": "x@rival.example"}),
        ("get", f"{API}/steps?template_id={t}", None),
        ("post", f"{API}/steps", {"template_id": t, "type": "wait", "config": {"days": 1}}),
        ("put", f"{API}/steps/{s}", {"config": {"subject": "x", "html": "<p>x</p>"}}),
        ("delete", f"{API}/steps/{s}", None),
        ("post", f"{API}/steps/reorder", {"template_id": t, "step_ids": [s]}),
        ("post", f"{API}/enrollments", {"template_id": t, "lead_id": lead}),
        ("post", f"{API}/enrollments/bulk", {"template_id": t, "lead_ids": [lead]}),
        ("put", f"{API}/enrollments/{e}/status", {"action": "stop"}),
        ("post", f"{API}/execute", {"enrollment_id": e}),
        ("get", f"{API}/metrics?template_id={t}", None),
        ("get", f"{API}/leads/{lead}", None),
        ("put", f"{API}/leads/{lead}", {"first_name": "Mallory"}),
        ("delete", f"{API}/leads/{lead}", None),
        ("put", f"{API}/tasks/{task['id']}", {"status": "completed"}),
    ]
    rival.post(f"{API}/mailboxes", {"from_email": "x@rival.example"})
    for method, path, body in calls:
        answer = (
            getattr(rival, method)(path, body) if body is not None else getattr(rival, method)(path)
        )
        assert answer.status_code == 404, (method, path, answer.status_code, answer.json)
    # and the lists show nothing of org A
    for path in ("templates", "leads", "enrollments", "suppressions", "tasks", "mailboxes"):
        items = rival.get(f"{API}/{path}").json["items"]
        assert all(i.get("from_email") == "x@rival.example" for i in items), path
    assert rival.get(f"{API}/enrollments?lead_id={lead}").json["items"] == []
    # org A's data is untouched
    assert acme.get(f"{API}/templates/{t}").json["name"] == "Cold"
    assert acme.get(f"{API}/leads/{lead}").json["first_name"] == "Bob"
    assert acme.get(f"{API}/tasks").json["items"][0]["status"] == "open"


def test_events_show_each_inbound_classification_and_reason(acme, rival, clean_db):
    from sequences_core.clock import utcnow
    from sequences_core.db.models import SequenceStepExecution
    from sequences_core.services.feedback import apply_inbound
    from tests.test_feedback_e2e import reply

    ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=True)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    acme.post(f"{API}/execute", {})
    with UnitOfWork(clean_db) as uow:
        from sqlalchemy import select

        message_id = uow.session.scalars(select(SequenceStepExecution.message_id_header)).one()
        away = reply(message_id, "bob@lead.example", "Automatic reply: Hello",
                     "I am out of the office until next week.", utcnow(),
                     headers="Auto-Submitted: auto-replied\r\n")  # fmt: skip
        apply_inbound(uow, away, utcnow(), "test")
        uow.commit()
    listed = acme.get(f"{API}/events?lead_id={ids['lead']}").json["items"]
    assert [e["type"] for e in listed] == ["auto_reply", "sent"]
    assert listed[0]["classification"] == "out_of_office" and listed[0]["reason"]
    only = acme.get(f"{API}/events?type=sent&limit=1").json
    assert [e["type"] for e in only["items"]] == ["sent"] and only["next_before_id"] is None
    assert rival.get(f"{API}/events?lead_id={ids['lead']}").json["items"] == []
    assert acme.get(f"{API}/events?type=nonsense").status_code == 422
