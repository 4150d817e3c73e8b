"""The builder's routes through the plugin app as Airflow mounts it (a signed-in user): the
page, adding, saving (422 at the field, nothing written), deleting and reordering steps,
the settings panel, the live check and preview of unsaved values, the lead picker, the
webhook test call through the SSRF guard; another organization's ids are 404s, a missing
form token a 403, a viewer's edit a 403."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from sequences_core.db.models import SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.operator_schemas import OrganizationUpdate
from sequences_core.schemas import SECRET_MASK, LeadIn, MailboxCreate, TemplateCreate
from sequences_core.services.enrollments import enroll_lead
from sequences_core.services.leads import upsert_leads
from sequences_core.services.mailboxes import create_mailbox
from sequences_core.services.organizations import create_organization, update_organization
from sequences_core.services.steps import add_step, list_steps
from sequences_core.services.templates import create_template, get_template
from tests.ui_support import signed_in  # noqa: F401 - a fixture

XSS = "<script>alert(1)</script>"


@pytest.fixture
def acme_builder(signed_in, clean_db) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """An organization with a mailbox, two leads (one without `plan`), and a template of an
    email, a wait and a second email; another organization with a template of its own."""
    client, users = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme", timezone="Europe/Berlin").organization
        other = create_organization(uow, "Zeta rival").organization
        create_mailbox(
            uow, org.id, MailboxCreate(from_email="ann@acme.example", from_name="Ann"),
            lambda _a: None,
        )  # fmt: skip
        ids = upsert_leads(
            uow, org.id,
            [
                LeadIn(email="bo@x.example", first_name="Bo", custom_fields={"plan": "Pro"}),
                LeadIn(email="cy@x.example", first_name="Cy", company="Cyco"),
            ],
        ).ids  # fmt: skip
        template = create_template(uow, org.id, TemplateCreate(name=XSS, category="cold_outreach"))
        first = add_step(
            uow, org.id, template.id, "email",
            {"subject": "Hi {{ first_name }}", "html": "<p>Your {{ plan }} plan</p>"},
        )  # fmt: skip
        wait = add_step(uow, org.id, template.id, "wait", {"days": 1})
        second = add_step(
            uow, org.id, template.id, "email", {"html": "<p>Again, {{ first_name }}</p>"}
        )
        theirs = create_template(uow, other.id, TemplateCreate(name="Theirs"))
        their_step = add_step(uow, other.id, theirs.id, "wait", {"days": 2})
        for lead in ids.values():
            enroll_lead(uow, org.id, template.id, lead)
    page = client.get(f"/sequences/builder/{template.id}")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    yield {
        "client": client, "users": users, "org": org.id, "template": template.id,
        "steps": [first.id, wait.id, second.id], "theirs": theirs.id,
        "their_step": their_step.id, "csrf": csrf, "leads": ids, "db": clean_db,
    }  # fmt: skip


def _steps(env: dict[str, Any]) -> list[Any]:
    with UnitOfWork(env["db"]) as uow:
        return list_steps(uow, env["org"], env["template"])


def _url(env: dict[str, Any], tail: str = "") -> str:
    return f"/sequences/builder/{env['template']}{tail}"


def test_the_builder_shows_the_steps_settings_and_advice_escaped(acme_builder):
    env = acme_builder
    page = env["client"].get(_url(env))
    assert page.status_code == 200, page.text
    text = page.text
    assert XSS not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.count('class="step-card') == 3
    assert "Hi {{ first_name }}" in text and "Wait 1 day<" in text
    assert "(no subject: replies in the thread)" in text
    # every setting of the schema, with its description
    for words in ("Pause an enrollment when the lead replies.", "Send days", "Jitter minutes"):
        assert words in text
    # advice: emails 1 day apart, first-name-only personalisation, Mon/Fri for cold outreach,
    # no unsubscribe link, and one of the two enrolled leads lacks `plan`
    assert "follows the previous email after 1 day;" in text
    assert "Cold outreach sends on Monday and Friday" in text
    assert "1 of 2 enrolled leads lack it" in text
    assert "<script" not in re.sub(r'<script src="[^"]+/builder\.js" defer></script>', "", text)
    assert "style=" not in text and " onclick" not in text


def test_the_editor_shows_the_step_and_the_variable_helper_has_custom_fields(acme_builder):
    env = acme_builder
    first = env["steps"][0]
    page = env["client"].get(_url(env), params={"step": str(first)})
    assert page.status_code == 200
    assert 'id="step-form"' in page.text and 'value="Hi {{ first_name }}"' in page.text
    assert 'data-var="plan"' in page.text  # the org's leads' custom-field keys
    assert "Bo &lt;bo@x.example&gt;" in page.text  # the preview's first lead
    [frame] = re.findall(r"<iframe [^>]*>", page.text)  # the email's HTML runs no script
    assert 'sandbox="allow-same-origin"' in frame and "allow-scripts" not in frame


def test_unknown_or_another_orgs_template_is_a_404_page(acme_builder):
    env = acme_builder
    client = env["client"]
    for template in (env["theirs"], uuid.uuid4(), "not-a-uuid"):
        page = client.get(f"/sequences/builder/{template}")
        assert page.status_code == 404 and "Sequence not found" in page.text
    their = f"/sequences/builder/{env['theirs']}/steps/{env['their_step']}"
    saved = client.post(their, data={"csrf": env["csrf"], "days": "9"})
    assert saved.status_code == 404
    mine_with_theirs = _url(env, f"/steps/{env['their_step']}/delete")
    assert client.post(mine_with_theirs, data={"csrf": env["csrf"]}).status_code == 404
    with UnitOfWork(env["db"]) as uow:
        [step] = list_steps(uow, _other_org(uow, env), env["theirs"])
        assert step.config["days"] == 2


def _other_org(uow: UnitOfWork, env: dict[str, Any]) -> uuid.UUID:
    return uow.session.get(SequenceTemplate, env["theirs"]).organization_id


def test_adding_a_step_from_the_palette_opens_its_editor(acme_builder):
    env = acme_builder
    added = env["client"].post(
        _url(env, "/steps"), data={"csrf": env["csrf"], "type": "condition"}, follow_redirects=False
    )
    assert added.status_code == 303
    steps = _steps(env)
    assert [s.type for s in steps] == ["email", "wait", "email", "condition"]
    assert added.headers["location"].endswith(f"?step={steps[-1].id}#editor")
    bad = env["client"].post(_url(env, "/steps"), data={"csrf": env["csrf"], "type": "fax"})
    assert bad.status_code == 422 and "Unknown step type" in bad.text
    assert len(_steps(env)) == 4


def test_a_webhook_step_shows_its_new_secret_once(acme_builder):
    env = acme_builder
    page = env["client"].post(_url(env, "/steps"), data={"csrf": env["csrf"], "type": "webhook"})
    assert page.status_code == 200
    secret = _steps(env)[-1].config["secret"]
    assert secret in page.text and "shown this once" in page.text
    again = env["client"].get(_url(env), params={"step": str(_steps(env)[-1].id)})
    assert secret not in again.text and SECRET_MASK in again.text


def test_saving_a_step_and_a_broken_subject_is_422_at_the_field(acme_builder):
    env = acme_builder
    first = env["steps"][0]
    url = _url(env, f"/steps/{first}")
    broken = env["client"].post(
        url, data={"csrf": env["csrf"], "subject": "Hi {{ first_name", "html": "<p>x</p>"}
    )
    assert broken.status_code == 422
    error = re.search(r'data-error-for="subject"[^>]*>([^<]*)<', broken.text).group(1)
    assert "line 1" in error and "syntax error" in error
    assert 'value="Hi {{ first_name"' in broken.text  # what was typed is kept
    assert _steps(env)[0].config["subject"] == "Hi {{ first_name }}"  # nothing written
    fixed = env["client"].post(
        url,
        data={"csrf": env["csrf"], "subject": "Plans for {{ company | default('you') }}",
              "html": "<p>New</p>", "text": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert fixed.status_code == 303
    assert _steps(env)[0].config == {
        "subject": "Plans for {{ company | default('you') }}", "html": "<p>New</p>",
    }  # fmt: skip


def test_a_branch_to_nowhere_and_bad_rules_are_refused_at_the_field(acme_builder):
    env = acme_builder
    with UnitOfWork(env["db"]) as uow:
        cond = add_step(
            uow, env["org"], env["template"], "condition",
            {"rules": {"all": [{"event": "opened"}]}, "if_true": "next", "if_false": "end"},
            position=1,
        )  # fmt: skip
    url = _url(env, f"/steps/{cond.id}")
    data = {"csrf": env["csrf"], "rules": '{"all": [{"event": "opened"}]}', "if_false": "end"}
    nowhere = env["client"].post(url, data=data | {"if_true": str(uuid.uuid4())})
    assert nowhere.status_code == 422
    assert "branches to a step that is not in this template" in _error(nowhere.text, "if_true")
    not_json = env["client"].post(url, data=data | {"rules": "{all", "if_true": "next"})
    assert not_json.status_code == 422 and "not valid JSON" in _error(not_json.text, "rules")
    loop = env["client"].post(url, data=data | {"if_true": str(env["steps"][0])})
    assert loop.status_code == 422 and "loops back to step 1 with no wait" in _error(
        loop.text, "if_true"
    )
    ok = env["client"].post(
        url, data=data | {"if_true": str(env["steps"][2])}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert _steps(env)[1].config["if_true"] == str(env["steps"][2])
    page = env["client"].get(_url(env)).text  # the branch label names the target step
    assert re.search(r"Yes → <span class=\"target\">Step 4 · Email</span>", page)


def _error(text: str, field: str) -> str:
    return re.search(rf'data-error-for="{field}"[^>]*>([^<]*)<', text).group(1)


def test_deleting_and_moving_steps(acme_builder):
    env = acme_builder
    first, wait, second = env["steps"]
    moved = env["client"].post(
        _url(env, f"/steps/{second}/move"), data={"csrf": env["csrf"], "direction": "up"},
        follow_redirects=False,
    )  # fmt: skip
    assert moved.status_code == 303
    assert [s.id for s in _steps(env)] == [first, second, wait]
    gone = env["client"].post(
        _url(env, f"/steps/{wait}/delete"), data={"csrf": env["csrf"]}, follow_redirects=False
    )
    assert gone.status_code == 303 and [s.id for s in _steps(env)] == [first, second]


def test_reorder_answers_the_graph_warnings_and_refuses_a_partial_list(acme_builder):
    env = acme_builder
    first, wait, second = env["steps"]
    headers = {"X-CSRF-Token": env["csrf"]}
    with UnitOfWork(env["db"]) as uow:
        cond = add_step(
            uow, env["org"], env["template"], "condition",
            {"rules": {"all": [{"event": "opened"}]}, "if_true": "end", "if_false": "end"},
        )  # fmt: skip
    order = [str(cond.id), str(first), str(wait), str(second)]
    done = env["client"].post(_url(env, "/reorder"), json={"step_ids": order}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["order"] == order
    assert any("is not reached from the first step" in w for w in done.json()["warnings"])
    partial = env["client"].post(
        _url(env, "/reorder"), json={"step_ids": order[:2]}, headers=headers
    )
    assert partial.status_code == 422 and "exactly once" in partial.json()["error"]
    assert [str(s.id) for s in _steps(env)] == order


def test_settings_save_and_a_bad_window_is_422_at_the_field(acme_builder):
    env = acme_builder
    form = {
        "csrf": env["csrf"], "category": "nurture", "pause_on_reply": "on",
        "send_window.start": "10:00", "send_window.end": "16:00",
        "send_window.days": ["2", "3", "4"], "timezone": "Europe/Paris", "jitter_minutes": "7",
        "holidays": "de", "tracking.opens": "on",
    }  # fmt: skip
    saved = env["client"].post(_url(env, "/settings"), data=form, follow_redirects=False)
    assert saved.status_code == 303
    with UnitOfWork(env["db"]) as uow:
        template = get_template(uow, env["org"], env["template"])
    assert template.category == "nurture"
    stored = template.settings
    assert stored["send_window"] == {"start": "10:00:00", "end": "16:00:00", "days": [2, 3, 4]}
    assert (stored["timezone"], stored["holidays"], stored["jitter_minutes"]) == (
        "Europe/Paris", "DE", 7,
    )  # fmt: skip
    assert stored["pause_on_meeting"] is False and stored["tracking"] == {
        "opens": True, "clicks": False,
    }  # fmt: skip
    bad = env["client"].post(
        _url(env, "/settings"),
        data=form | {"send_window.end": "08:00", "timezone": "Mars/Base"},
    )
    assert bad.status_code == 422
    assert "end must be after start" in bad.text and "unknown time zone" in bad.text
    assert 'value="Mars/Base"' in bad.text
    with UnitOfWork(env["db"]) as uow:
        assert get_template(uow, env["org"], env["template"]).settings == stored


def test_every_change_needs_the_form_token(acme_builder):
    env = acme_builder
    first = env["steps"][0]
    client = env["client"]
    for path, data in [
        ("/steps", {"type": "wait"}),
        (f"/steps/{first}", {"subject": "x", "html": "<p>x</p>"}),
        (f"/steps/{first}/delete", {}),
        (f"/steps/{first}/move", {"direction": "down"}),
        ("/settings", {"category": "nurture"}),
        (f"/steps/{first}/check", {"subject": "x"}),
        (f"/steps/{first}/preview", {"subject": "x"}),
    ]:
        refused = client.post(_url(env, path), data=data | {"csrf": "f" * 64})
        assert refused.status_code == 403, path
    order = [str(s) for s in env["steps"]]
    refused = client.post(_url(env, "/reorder"), json={"step_ids": order})
    assert refused.status_code == 403
    assert [s.id for s in _steps(env)] == env["steps"]


def test_a_viewer_may_look_but_not_change(acme_builder):
    env = acme_builder
    env["users"]["can_edit"] = False  # the auth manager refuses PUT on sequences_dispatch
    page = env["client"].get(_url(env))
    assert page.status_code == 200 and "may see sequences but not change them" in page.text
    assert "Add email" not in page.text and "Move up" not in page.text
    refused = env["client"].post(_url(env, "/steps"), data={"csrf": env["csrf"], "type": "wait"})
    assert refused.status_code == 403 and len(_steps(env)) == 3


def test_the_check_route_names_fields_and_notes_unknown_variables(acme_builder):
    env = acme_builder
    first = env["steps"][0]
    url = _url(env, f"/steps/{first}/check")
    data = {"csrf": env["csrf"], "html": "<p>{{ plan }} {{ seats }}</p>"}
    found = env["client"].post(url, data=data | {"subject": "{% if %}"}).json()
    assert "syntax error" in found["errors"]["subject"]
    found = env["client"].post(url, data=data | {"subject": "ok"}).json()
    assert found["errors"] == {}
    assert "seats" in found["notes"]["html"] and "plan" not in found["notes"]["html"]
    webhook = _add(env, "webhook")
    found = (
        env["client"]
        .post(
            _url(env, f"/steps/{webhook}/check"),
            data={"csrf": env["csrf"], "url": "ftp://x", "secret": SECRET_MASK},
        )
        .json()
    )
    assert "url" in found["errors"]


def _add(env: dict[str, Any], kind: str) -> uuid.UUID:
    env["client"].post(_url(env, "/steps"), data={"csrf": env["csrf"], "type": kind})
    return _steps(env)[-1].id


def test_preview_renders_unsaved_values_for_a_lead(acme_builder):
    env = acme_builder
    first = env["steps"][0]
    url = _url(env, f"/steps/{first}/preview")
    bo, cy = env["leads"]["bo@x.example"], env["leads"]["cy@x.example"]
    form = {
        "csrf": env["csrf"], "subject": "For {{ company | default('your team') }}",
        "html": '<p>Hi {{ first_name }}, <a href="https://acme.example/x">see</a></p>',
    }  # fmt: skip
    shown = env["client"].post(url, data=form | {"lead_id": str(bo)}).json()
    assert shown["subject"] == "For your team" and shown["to"] == "bo@x.example"
    assert "Hi Bo" in shown["html"] and "/api/sequences/track/click?" in shown["html"]
    assert "Unsubscribe" in shown["text"] and shown["from"] == "Ann <ann@acme.example>"
    lacking = (
        env["client"]
        .post(url, data=form | {"html": "<p>{{ plan }}</p>", "lead_id": str(cy)})
        .json()
    )
    assert lacking == {"error": "missing: plan", "missing": "plan"}
    bad = env["client"].post(url, data=form | {"subject": "{{ x", "lead_id": str(cy)})
    assert bad.status_code == 422 and "subject" in bad.json()["errors"]
    assert _steps(env)[0].config["subject"] == "Hi {{ first_name }}"  # nothing saved


def test_the_preview_frame_gets_the_emails_html_under_its_own_policy(acme_builder):
    """Inline styles apply (an email is made of them), scripts and remote loads do not, and
    the document is sandboxed even when opened alone."""
    env = acme_builder
    url = _url(env, f"/steps/{env['steps'][0]}/preview/html")
    html = '<p style="color: #c00">Hi {{ first_name }}</p><script>alert(1)</script>'
    form = {"csrf": env["csrf"], "subject": "Hi", "html": html}
    bo = env["leads"]["bo@x.example"]
    shown = env["client"].post(url, data=form | {"lead_id": str(bo)})
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/html")
    assert 'style="color: #c00"' in shown.text and "Hi Bo" in shown.text
    policy = shown.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    refused = env["client"].post(url, data=form | {"lead_id": str(bo), "csrf": "x"})
    assert refused.status_code == 403
    unpicked = env["client"].post(url, data=form)
    assert unpicked.status_code == 422 and "Pick a lead" in unpicked.text


def test_the_lead_picker_searches_this_organizations_leads(acme_builder):
    env = acme_builder
    found = env["client"].get(_url(env, "/leads"), params={"q": "cyco"}).json()["leads"]
    assert [lead["label"] for lead in found] == ["Cy <cy@x.example>"]


@pytest.fixture
def receiver() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()


def test_the_test_call_goes_through_the_ssrf_guard(acme_builder, receiver):
    env = acme_builder
    webhook = _add(env, "webhook")
    url = _url(env, f"/steps/{webhook}/test-call")
    form = {"csrf": env["csrf"], "url": receiver, "method": "POST", "secret": SECRET_MASK}
    refused = env["client"].post(url, data=form).json()
    assert refused["outcome"] == "permanent" and "loopback" in refused["reason"]
    assert refused["status"] is None
    with UnitOfWork(env["db"]) as uow:
        allow = OrganizationUpdate(webhook_allow=["127.0.0.1"])
        update_organization(uow, env["org"], allow, "test")
    answered = env["client"].post(url, data=form).json()
    assert answered["outcome"] == "success" and answered["status"] == 202
    assert answered["milliseconds"] >= 0


def test_every_change_to_another_organizations_template_or_step_is_a_404(acme_builder):
    env = acme_builder
    theirs, their_step, mine = env["theirs"], env["their_step"], env["template"]
    csrf = {"csrf": env["csrf"]}
    for template, step in ((theirs, their_step), (mine, their_step)):
        base = f"/sequences/builder/{template}"
        for path, data in [
            (f"/steps/{step}", {"days": "9"}),
            (f"/steps/{step}/delete", {}),
            (f"/steps/{step}/move", {"direction": "up"}),
            (f"/steps/{step}/check", {"days": "9"}),
            (f"/steps/{step}/preview", {"lead_id": str(env["leads"]["bo@x.example"])}),
            (f"/steps/{step}/test-call", {"url": "https://example.com"}),
        ]:
            answer = env["client"].post(base + path, data=data | csrf)
            assert answer.status_code == 404, (template, path)
    for path, data in [("/steps", {"type": "wait"}), ("/settings", {"category": "nurture"})]:
        answer = env["client"].post(f"/sequences/builder/{theirs}{path}", data=data | csrf)
        assert answer.status_code == 404, path
    reorder = env["client"].post(
        f"/sequences/builder/{theirs}/reorder",
        json={"step_ids": [str(their_step)]},
        headers={"X-CSRF-Token": env["csrf"]},
    )
    assert reorder.status_code == 404
    leads = env["client"].get(f"/sequences/builder/{theirs}/leads", params={"q": "x"})
    assert leads.status_code == 404
    with UnitOfWork(env["db"]) as uow:
        [step] = list_steps(uow, _other_org(uow, env), theirs)
        template = uow.session.get(SequenceTemplate, theirs)
        assert step.config["days"] == 2 and template.category == "custom"


def test_the_test_call_needs_the_form_token_and_edit_permission(acme_builder):
    env = acme_builder
    webhook = _add(env, "webhook")
    url = _url(env, f"/steps/{webhook}/test-call")
    form = {"url": "https://example.com/x", "secret": SECRET_MASK}
    assert env["client"].post(url, data=form | {"csrf": "0" * 64}).status_code == 403
    env["users"]["can_edit"] = False
    assert env["client"].post(url, data=form | {"csrf": env["csrf"]}).status_code == 403


def test_each_step_types_editor_shows_its_fields(acme_builder):
    env = acme_builder
    expected = {
        "email": ["Subject", "HTML body", "Plain-text part", "Send from", "Ann &lt;ann@acme"],
        "wait": ["Days", "Hours", "Business days"],
        "task": ["Title", "Notes", "Due in (days)", "Assignee", "Hold the enrollment here"],
        "condition": ["Rules", "When it holds, go to", "Otherwise, go to", "data-emails="],
        "webhook": ["URL", "Method", "Headers", "Signing secret", "Body template", "Test call"],
    }
    for kind, labels in expected.items():
        step = _add(env, kind)
        page = env["client"].get(_url(env), params={"step": str(step)})
        assert page.status_code == 200, kind
        for label in labels:
            assert label in page.text, (kind, label)
        assert ('id="pv-html"' in page.text) == (kind == "email")
        assert ('class="variables"' in page.text) == (kind in ("email", "task", "webhook"))
    task = _steps(env)[-3]
    saved = env["client"].post(
        _url(env, f"/steps/{task.id}"),
        data={"csrf": env["csrf"], "title": "Call {{ first_name }}", "assignee": "not-an-email",
              "wait_until_done": "on"},
    )  # fmt: skip
    assert saved.status_code == 422 and _error(saved.text, "assignee")
    assert 'name="wait_until_done" type="checkbox" checked' in saved.text
