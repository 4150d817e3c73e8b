"""The forecast pages through the plugin app: the stacked SVG chart with its labelled axes
and values, days in the organization's zone with weekday names, the sentence, the table,
the assumptions, the empty state, escaping, and another organization's template (404)."""

from __future__ import annotations

import re

from sqlalchemy import update

from sequences_core.clock import utcnow
from sequences_core.db.models import Mailbox, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.leads import upsert_leads
from sequences_core.services.organizations import create_organization
from tests.factories import template_with_steps
from tests.ui_support import signed_in  # noqa: F401 - a fixture

XSS = "<script>alert(1)</script>"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _org_with_enrollments(clean_db, name: str = "A Acme"):  # type: ignore[no-untyped-def]
    """Five leads enrolled now at a mailbox that sends two a day."""
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, name, timezone="America/New_York").organization
        uow.session.add(
            Mailbox(organization_id=org.id, from_email="dana@acme.example", daily_limit=2)
        )
        uow.commit()
        template = template_with_steps(uow, org.id, steps=1)
        uow.session.execute(
            update(SequenceTemplate)
            .where(SequenceTemplate.id == template)
            .values(name=f"{XSS} Outreach")
        )
        uow.commit()
        people = [LeadIn(email=f"p{i}@lead.example", first_name="Pat") for i in range(5)]
        ids = list(upsert_leads(uow, org.id, people).ids.values())
        bulk_enroll(uow, org.id, template, ids, start_at=utcnow())
    return org, template


def test_template_forecast_page_draws_the_labelled_chart_in_the_orgs_zone(signed_in, clean_db):
    client, _ = signed_in
    _org, template = _org_with_enrollments(clean_db)
    page = client.get(f"/sequences/forecast/{template}")
    assert page.status_code == 200, page.text
    html = _flat(page.text)
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Outreach" in html
    assert 'href="/sequences/forecast" aria-current="page">Forecast</a>' in html
    assert '<svg class="chart-svg forecast"' in html and '<title id="fc-title">' in html
    assert ">Emails per day</text>" in html and ">Day (America/New_York)</text>" in html
    assert sum(f">{day}</text>" in html for day in WEEKDAYS) >= 5
    assert "5 leads waiting for a first email: the last first email goes on" in html
    assert "at mailbox dana@acme.example&#39;s limit of 2/day" in html
    assert html.count('<rect class="sent"') == 14 and '<rect class="deferred"' in html
    rows = re.findall(
        r'<tr> <th scope="row">(\w+) (\d{4}-\d\d-\d\d)</th> <td class="num">(\d+)', html
    )
    assert len(rows) == 14 and sum(int(sent) for _, _, sent in rows) == 5
    assert {weekday for weekday, _, _ in rows} <= {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"}  # fmt: skip
    assert max(int(sent) for _, _, sent in rows) == 2  # never above the mailbox's limit
    assert "No new events" in html and "America/New_York" in html

    org_page = _flat(client.get("/sequences/forecast").text)
    assert "5 leads waiting for a first email" in org_page
    assert "Whole organization</a>" in org_page and f"/sequences/forecast/{template}" in org_page


def test_empty_state_and_another_orgs_template(signed_in, clean_db):
    client, _ = signed_in
    with UnitOfWork(clean_db) as uow:
        create_organization(uow, "A quiet org")  # first by name: the page's organization
    _other, template = _org_with_enrollments(clean_db, name="B other")
    empty = _flat(client.get("/sequences/forecast").text)
    assert "Nothing is scheduled" in empty and "Enroll leads" in empty
    assert "<svg" not in empty
    missing = client.get(f"/sequences/forecast/{template}")
    assert missing.status_code == 404 and "not found" in missing.text
    assert client.get("/sequences/forecast/not-an-id").status_code == 404
