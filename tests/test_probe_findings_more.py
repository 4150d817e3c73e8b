"""More regression tests from the black-box probe of the Sequences UI (see
tests/test_probe_findings.py): each finding is fixed, and its test guards the fix."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn, TemplateCreate
from sequences_core.services.enrollments import enroll_lead
from sequences_core.services.leads import upsert_leads
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template
from tests.ui_support import signed_in  # noqa: F401 - a fixture


# Finding P5: the enrollment modal's "start at" accepts 9999-12-31 23:59 in a zone west of
# UTC (Etc/GMT+12); the enrollment is written with next_run_at in the year 10000, which
# PostgreSQL stores but psycopg cannot read back ("timestamp too large (after year 10K)").
# From then on the org's forecast, the template's forecast and enrollments, and the lead's
# timeline are 500 error pages until someone edits the database. Expected: the start is
# refused at the field (422 naming start_date), and every page still renders.
def test_a_start_at_the_end_of_time_is_refused_and_harmless(signed_in, clean_db):  # noqa: F811
    client, _users = signed_in
    client = TestClient(client.app, raise_server_exceptions=False)  # see the page, not the trace
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme").organization
        template = create_template(uow, org.id, TemplateCreate(name="Welcome"))
        add_step(uow, org.id, template.id, "email", {"subject": "Hi", "html": "<p>Hello</p>"})
        [lead] = upsert_leads(uow, org.id, [LeadIn(email="ann@x.example")]).ids.values()
    token = re.search(r'data-csrf="([^"]+)"', client.get("/sequences/").text)
    assert token is not None
    start = {"start_mode": "at", "start_date": "9999-12-31", "start_time": "23:59"}
    chunk = client.post(
        f"/sequences/enroll/{template.id}/chunk",
        data={"csrf": token.group(1), "lead_ids": str(lead), **start, "start_zone": "Etc/GMT+12"},
    )
    assert chunk.status_code == 422 and "start_date" in chunk.text, chunk.status_code
    pages = ["/sequences/forecast", f"/sequences/forecast/{template.id}",
             f"/sequences/enrollments/{template.id}", f"/sequences/leads/{lead}"]  # fmt: skip
    statuses = {page: client.get(page).status_code for page in pages}
    assert set(statuses.values()) == {200}, statuses


# Finding P6: a lead enrolled in wait → webhook → email reads "Next email: none will go" on
# its timeline page, while the reasons just below say "step 2 calls a webhook first; what
# follows goes once it is answered". The schedule explanation stops at the webhook
# (next_send_at is None: not yet known), and the page shows that as "never".
def test_an_email_after_a_webhook_is_not_shown_as_never(signed_in, clean_db):  # noqa: F811
    client, _users = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme").organization
        template = create_template(uow, org.id, TemplateCreate(name="Welcome"))
        add_step(uow, org.id, template.id, "wait", {"days": 2})
        add_step(uow, org.id, template.id, "webhook", {"url": "https://crm.example/hook"})
        add_step(uow, org.id, template.id, "email", {"subject": "Hi", "html": "<p>Hello</p>"})
        [lead] = upsert_leads(uow, org.id, [LeadIn(email="ann@x.example")]).ids.values()
        enroll_lead(uow, org.id, template.id, lead)
    page = client.get(f"/sequences/leads/{lead}")
    assert page.status_code == 200
    assert "calls a webhook first" in page.text  # the reason the page gives
    assert "none will go" not in page.text


def test_the_service_refuses_a_start_more_than_a_year_ahead(uow, org_id):
    """The REST API's and the pages' one rule: a start at the calendar's end is a 422."""
    from datetime import timedelta

    from sequences_core.clock import utcnow
    from sequences_core.errors import InvalidInput
    from sequences_core.services.enrollments import bulk_enroll

    template = create_template(uow, org_id, TemplateCreate(name="Welcome"))
    add_step(uow, org_id, template.id, "email", {"subject": "Hi", "html": "<p>Hello</p>"})
    [lead] = upsert_leads(uow, org_id, [LeadIn(email="ann@x.example")]).ids.values()
    with pytest.raises(InvalidInput) as refused:
        bulk_enroll(uow, org_id, template.id, [lead], start_at=utcnow() + timedelta(days=400))
    assert "start_at" in refused.value.fields
    done = bulk_enroll(uow, org_id, template.id, [lead], start_at=utcnow() + timedelta(days=300))
    assert done.count == 1
