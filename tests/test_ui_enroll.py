"""The template-list actions, New sequence, the enrollment page, a template's enrollments,
the leads search and a lead's timeline, through the plugin app as Airflow mounts it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from sequences_core.db.models import SequenceEmailEvent, SequenceEnrollment, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn, TemplateCreate
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.leads import upsert_leads
from sequences_core.services.organizations import create_organization
from sequences_core.services.template_copy import create_from_library
from sequences_core.services.templates import create_template
from tests.factories import template_with_steps
from tests.ui_support import signed_in  # noqa: F401 - a fixture

XSS = "<script>alert(1)</script>"


@pytest.fixture
def acme(signed_in, clean_db):  # type: ignore[no-untyped-def]
    client, _ = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme", timezone="Europe/Berlin").organization
        rival = create_organization(uow, "Rival").organization
    page = client.get("/sequences/").text
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    return {"client": client, "org": org.id, "rival": rival.id, "csrf": csrf, "db": clean_db}


def _uow(env) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(env["db"])


def _post(env, path, data=None, **kw):  # type: ignore[no-untyped-def]
    return env["client"].post(
        path, data={"csrf": env["csrf"], **(data or {})}, follow_redirects=False, **kw
    )


def _error_at(text: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]*)<', text)
    assert found, f"no error at {field}"
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text) or field in ("key",)
    return found.group(1)


def test_new_sequence_blank_and_from_the_library_open_the_builder(acme):
    page = acme["client"].get("/sequences/new")
    assert page.status_code == 200 and "Cold outreach (4 emails)" in page.text
    assert "Tue, Wed, Thu" in page.text
    made = _post(acme, "/sequences/new", {"name": XSS, "category": "nurture"})
    assert made.status_code == 303 and made.headers["location"].startswith("/sequences/builder/")
    empty = _post(acme, "/sequences/new", {"name": "  ", "category": "nurture"})
    assert empty.status_code == 422 and _error_at(empty.text, "name")
    bad = _post(acme, "/sequences/new", {"name": "x", "category": "spam"})
    assert bad.status_code == 422 and _error_at(bad.text, "category")
    lib = _post(acme, "/sequences/new/library", {"key": "win_back", "library_name": "Lapsed"})
    assert lib.status_code == 303
    template_id = lib.headers["location"].rsplit("/", 1)[1]
    assert "Lapsed" in acme["client"].get("/sequences/").text
    with _uow(acme) as uow:
        assert len(list(uow.session.scalars(select(SequenceEnrollment)))) == 0
        from sequences_core.services.steps import list_steps

        assert len(list_steps(uow, acme["org"], template_id)) == 5
    nokey = _post(acme, "/sequences/new/library", {"key": "nope"})
    assert nokey.status_code == 422 and "choose one" in nokey.text
    list_page = acme["client"].get("/sequences/").text
    assert XSS not in list_page and "&lt;script&gt;" in list_page


def test_row_actions_duplicate_archive_restore_with_notices(acme):
    with _uow(acme) as uow:
        template = create_from_library(uow, acme["org"], "nurture", XSS)
        foreign = create_template(uow, acme["rival"], TemplateCreate(name="Theirs")).id
    listed = acme["client"].get("/sequences/").text
    assert f'href="/sequences/builder/{template.id}"' in listed
    assert "data-confirm=" in listed and f"/templates/{template.id}/archive" in listed
    copied = _post(acme, f"/sequences/templates/{template.id}/duplicate")
    assert copied.status_code == 303 and "done=duplicated" in copied.headers["location"]
    page = acme["client"].get(copied.headers["location"]).text
    assert "Duplicated as “&lt;script&gt;alert(1)&lt;/script&gt; (copy)”" in page
    archived = _post(acme, f"/sequences/templates/{template.id}/archive")
    page = acme["client"].get(archived.headers["location"]).text
    assert "Archived “" in page and "0 live enrollments stopped" in page
    assert f"/templates/{template.id}/restore" in page  # the archived row offers a restore
    restored = _post(acme, f"/sequences/templates/{template.id}/restore")
    assert "Restored “" in acme["client"].get(restored.headers["location"]).text
    # another organization's template, an unknown id, a malformed one: 404 pages
    for ident in (foreign, uuid.uuid4(), "nope"):
        answer = _post(acme, f"/sequences/templates/{ident}/duplicate")
        assert answer.status_code == 404 and "Sequence not found" in answer.text
    # without the form token nothing changes
    forged = acme["client"].post(f"/sequences/templates/{template.id}/archive", data={})
    assert forged.status_code == 403
    assert "Archived" not in acme["client"].get("/sequences/").text
    # a notice names only what the address's code and id say: no free text
    odd = acme["client"].get("/sequences/", params={"done": "hacked", "id": str(template.id)})
    assert 'class="notice"' not in odd.text


def _csv(rows: list[str]) -> bytes:
    return ("email,first_name,company,timezone\n" + "\n".join(rows) + "\n").encode()


def test_enroll_from_a_csv_shows_the_dry_run_then_enrolls(acme):
    with _uow(acme) as uow:
        template = template_with_steps(uow, acme["org"], steps=3)
        uow.session.add(
            Suppression(organization_id=acme["org"], email="p3@x.example", reason="manual")
        )
        uow.commit()
        done = upsert_leads(uow, acme["org"], [LeadIn(email="p4@x.example", first_name="P")])
        bulk_enroll(uow, acme["org"], template, list(done.ids.values()))
    rows = [f"p{i}@x.example,P{i},Co{i},America/New_York" for i in range(6)]
    rows.append("not-an-email,X,Co,UTC")
    rows.append(f"xss@x.example,{XSS},Co,UTC")
    page = _post(
        acme, f"/sequences/enroll/{template}/csv", files={"csv": ("leads.csv", _csv(rows))}
    )
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", page.text)
    assert "8 lines read: 6 leads created, 1 updated, 1 lines refused" in text
    assert re.search(r"<td class=\"num\">8</td><td>email</td>", text)  # line 1 is the header
    assert "<strong>5</strong> will be enrolled, <strong>2</strong> skipped" in text
    assert "suppressed</span>: 1" in text and "already enrolled</span>: 1" in text
    assert XSS not in page.text
    lead_ids = re.search(r'name="lead_ids" value="([^"]+)"', page.text).group(1)
    bad = _post(acme, f"/sequences/enroll/{template}", {
        "lead_ids": lead_ids, "start_mode": "at", "start_date": "2026-13-01",
        "start_time": "09:00", "start_zone": "Mars/Base",
    })  # fmt: skip
    assert bad.status_code == 422
    assert _error_at(bad.text, "start_date") and "unknown time zone" in _error_at(
        bad.text, "start_zone"
    )
    with _uow(acme) as uow:
        assert len(list(uow.session.scalars(select(SequenceEnrollment)))) == 1  # nothing yet
    confirmed = _post(acme, f"/sequences/enroll/{template}", {
        "lead_ids": lead_ids, "start_mode": "at", "start_date": "2026-12-08",
        "start_time": "09:30", "start_zone": "",
    })  # fmt: skip
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].endswith("done=enrolled&n=5&skipped=2")
    page = acme["client"].get(confirmed.headers["location"]).text
    assert "Enrolled 5 leads; 2 skipped." in page
    assert "2026-12-08 09:30 America/New_York" in page and "2026-12-08 14:30 UTC" in page


def test_enroll_by_filter_and_the_chunk_endpoint(acme):
    with _uow(acme) as uow:
        template = template_with_steps(uow, acme["org"])
        made = upsert_leads(uow, acme["org"], [
            LeadIn(email=f"f{i}@x.example", first_name="F",
                   company="Globex" if i < 3 else "Initech",
                   custom_fields={"tier": "gold" if i % 2 else "silver"})
            for i in range(6)
        ])  # fmt: skip
    client = acme["client"]
    page = client.get(f"/sequences/enroll/{template}", params={"pick": "1", "company": "globex"})
    assert "<strong>3</strong> will be enrolled" in page.text
    page = client.get(f"/sequences/enroll/{template}", params={
        "pick": "1", "field_key": "tier", "field_value": "gold"})  # fmt: skip
    assert "<strong>3</strong> will be enrolled" in page.text
    bad = client.get(
        f"/sequences/enroll/{template}", params={"pick": "1", "field_key": "first name"}
    )
    assert bad.status_code == 422 and _error_at(bad.text, "field_key")
    bad = client.get(f"/sequences/enroll/{template}", params={"pick": "1", "since": "yesterday"})
    assert bad.status_code == 422 and _error_at(bad.text, "since")
    ids = ",".join(str(i) for i in made.ids.values())
    chunk = client.post(
        f"/sequences/enroll/{template}/chunk", data={"lead_ids": ids},
        headers={"X-CSRF-Token": acme["csrf"]},
    )  # fmt: skip
    assert chunk.status_code == 200 and chunk.json()["enrolled"] == 6
    again = client.post(
        f"/sequences/enroll/{template}/chunk", data={"lead_ids": ids},
        headers={"X-CSRF-Token": acme["csrf"]},
    )  # fmt: skip
    assert {s["reason"] for s in again.json()["skipped"]} == {"already_enrolled"}
    forged = client.post(f"/sequences/enroll/{template}/chunk", data={"lead_ids": ids},
                         headers={"X-CSRF-Token": "x"})  # fmt: skip
    assert forged.status_code == 403
    with _uow(acme) as uow:
        foreign = template_with_steps(uow, acme["rival"])
    assert client.get(f"/sequences/enroll/{foreign}").status_code == 404
    # from a lead's page: the lead chosen, the dry run for it alone
    lead = next(iter(made.ids.values()))
    hop = client.get(
        "/sequences/enroll-lead",
        params={"lead": str(lead), "template": str(template)},
        follow_redirects=False,
    )
    assert hop.status_code == 303
    single = client.get(hop.headers["location"])
    assert "<strong>0</strong> will be enrolled, <strong>1</strong> skipped" in single.text


def test_enrollments_page_pause_resume_stop_single_and_bulk(acme):
    with _uow(acme) as uow:
        template = template_with_steps(uow, acme["org"])
        made = upsert_leads(uow, acme["org"], [
            LeadIn(email=f"e{i}@x.example", timezone="Asia/Tokyo") for i in range(3)
        ])  # fmt: skip
        enrolled = bulk_enroll(uow, acme["org"], template, list(made.ids.values())).enrolled
        first = enrolled[made.ids["e0@x.example"]]
        uow.session.execute(insert(SequenceEmailEvent), [{
            "organization_id": acme["org"], "enrollment_id": first,
            "lead_id": made.ids["e0@x.example"], "type": "open", "bot": True,
            "occurred_at": datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        }])  # fmt: skip
        uow.commit()
    client = acme["client"]
    page = client.get(f"/sequences/enrollments/{template}").text
    assert "open (machine)" in page and "2026-12-01 10:00 Asia/Tokyo" in page
    paused = _post(acme, f"/sequences/enrollments/{template}/status",
                   {"single": f"pause:{first}", "reason": XSS})  # fmt: skip
    assert paused.status_code == 303 and "done=pause&n=1" in paused.headers["location"]
    page = client.get(f"/sequences/enrollments/{template}", params={"status": "paused"}).text
    assert page.count('name="ids"') == 1 and "&lt;script&gt;" in page and XSS not in page
    all_ids = [str(e) for e in enrolled.values()]
    resumed = _post(acme, f"/sequences/enrollments/{template}/status",
                    {"ids": all_ids, "action": "resume"})  # fmt: skip
    assert "n=1&refused=2" in resumed.headers["location"]  # two were not paused
    notice = client.get(resumed.headers["location"]).text
    assert "1 enrollment resumed. 2 could not be" in notice
    stopped = _post(acme, f"/sequences/enrollments/{template}/status",
                    {"ids": all_ids[:2], "action": "stop", "reason": "wrong list"})  # fmt: skip
    assert "n=2" in stopped.headers["location"]
    with _uow(acme) as uow:
        statuses = dict(uow.session.execute(
            select(SequenceEnrollment.id, SequenceEnrollment.stopped_reason)
        ).all())  # fmt: skip
    assert sorted(v for v in statuses.values() if v) == ["wrong list", "wrong list"]
    forged = acme["client"].post(f"/sequences/enrollments/{template}/status",
                                 data={"ids": all_ids, "action": "stop"})  # fmt: skip
    assert forged.status_code == 403
    with _uow(acme) as uow:
        foreign = template_with_steps(uow, acme["rival"])
    assert client.get(f"/sequences/enrollments/{foreign}").status_code == 404
    assert client.get("/sequences/enrollments/nope").status_code == 404
    other = _post(
        acme, f"/sequences/enrollments/{foreign}/status", {"ids": all_ids, "action": "stop"}
    )
    assert other.status_code == 404
    with _uow(acme) as uow:
        empty = template_with_steps(uow, acme["org"])
    assert "Nobody is enrolled" in client.get(f"/sequences/enrollments/{empty}").text


def test_leads_search_and_a_leads_timeline(acme):
    with _uow(acme) as uow:
        template = template_with_steps(uow, acme["org"])
        made = upsert_leads(uow, acme["org"], [
            LeadIn(email="t@x.example", first_name=XSS, company="Umbrella"),
        ])  # fmt: skip
        lead = made.ids["t@x.example"]
        enrollment = bulk_enroll(uow, acme["org"], template, [lead]).enrolled[lead]
        uow.session.execute(insert(SequenceEmailEvent), [{
            "organization_id": acme["org"], "enrollment_id": enrollment, "lead_id": lead,
            "type": "click", "url": 'https://x.example/?q="><script>alert(3)</script>',
            "occurred_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "device": "mobile",
        }, {
            "organization_id": acme["org"], "enrollment_id": enrollment, "lead_id": lead,
            "type": "click", "url": "javascript:alert(4)",
            "occurred_at": datetime(2026, 12, 1, 9, 5, tzinfo=UTC),
        }])  # fmt: skip
        uow.commit()
        rival_lead = upsert_leads(uow, acme["rival"], [LeadIn(email="r@x.example")]).ids
    client = acme["client"]
    found = client.get("/sequences/leads", params={"q": "umbrella"}).text
    assert f'href="/sequences/leads/{lead}"' in found and XSS not in found
    assert "No leads match" in client.get("/sequences/leads", params={"q": "zzz"}).text
    page = client.get(f"/sequences/leads/{lead}")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert" not in text and 'href="javascript:' not in text
    assert "2026-12-01 10:00 Europe/Berlin" in text  # the org's zone: the lead has none
    assert "Next email:" in text and "Outreach" in text and "mobile" in text
    assert 'action="/sequences/enroll-lead"' in text
    assert client.get(f"/sequences/leads/{rival_lead['r@x.example']}").status_code == 404
    assert client.get("/sequences/leads/nope").status_code == 404
