"""One flow in Chromium on a real `airflow standalone`: create a sequence from the library on
the New sequence page, enrol 20 leads from a CSV upload (two skipped, with their reasons),
run a dispatch, click a link of a sent email through the tracking app, read that lead's
timeline, and pause and resume its enrollment. Screenshots of every page in tests/artifacts/.
"""

from __future__ import annotations

import email
import re
from email import policy
from html import unescape

import pytest
from sqlalchemy import select, update

from sequences_core.db.models import Lead, SequenceEmailEvent, SequenceEnrollment, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn, TemplateUpdate
from sequences_core.services.leads import upsert_leads
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import list_steps, update_step
from sequences_core.services.templates import list_templates, update_template
from tests.api_support import ALWAYS_OPEN, API, Tenant, build_app
from tests.test_tracking_endpoints import IPHONE, _age_sends, _local
from tests.ui_support import (  # noqa: F401 - airflow_ui is a fixture
    UI_GROUP,
    airflow_page,
    airflow_ui,
    screenshot,
    sequences_frame,
)

pytestmark = UI_GROUP
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"]


def _csv(tmp_path):  # type: ignore[no-untyped-def]
    rows = ["email,first_name,last_name,company,title,timezone,plan"]
    rows += [
        f"lead{i}@buyer.example,Lead{i},Buyer,Buyer {i} GmbH,Head of Sales,{ZONES[i % 4]},gold"
        for i in range(18)
    ]
    rows += [
        "gone@buyer.example,Gone,Buyer,Old Co,CTO,UTC,",
        "no@buyer.example,No,Thanks,Co,CEO,UTC,",
    ]
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _sent_click(outbox, address: str) -> str:  # type: ignore[no-untyped-def]
    """The first tracked link of the email sent to `address`."""
    for eml in outbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        if address in message["To"]:
            html = message.get_body(("html",)).get_content()
            hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
            return next(h for h in hrefs if "/track/click" in h)
    raise AssertionError(f"no email to {address}")


@pytest.mark.timeout(900)  # Airflow's start on a busy 2-core host is part of it
def test_library_csv_enrol_dispatch_click_timeline_pause_resume(airflow_ui, clean_db, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a busy host: pages may take seconds

    with UnitOfWork(clean_db) as uow:
        created = create_organization(uow, "Acme Outbound", timezone="Europe/Berlin")
        org = created.organization.id
        # the two the CSV will name but the enrollment must skip: one suppressed, one who
        # left the company (the import updates them and leaves that as it is)
        uow.session.add(Suppression(organization_id=org, email="no@buyer.example", reason="manual"))
        uow.commit()
        gone = upsert_leads(uow, org, [LeadIn(email="gone@buyer.example")]).ids
        uow.session.execute(
            update(Lead).where(Lead.id.in_(gone.values())).values(status="left_company")
        )
        uow.commit()
    app = build_app(clean_db, tmp_path)
    acme = Tenant(org, created.api_key, app.test_client())
    mailbox = acme.post(
        f"{API}/mailboxes", {"from_email": "dana@acme.example", "from_name": "Dana"}
    )
    assert mailbox.status_code == 201, mailbox.json
    try:
        with airflow_page(airflow_ui) as page:
            page.get_by_role("link", name="Sequences").click()
            frame = sequences_frame(page)
            expect(frame.get_by_text("has no sequences")).to_be_visible(timeout=90_000)
            screenshot(page, "enroll-flow-01-empty-list")
            frame.get_by_role("link", name="New sequence").first.click()
            expect(frame.get_by_role("heading", name="New sequence")).to_be_visible()
            screenshot(page, "enroll-flow-02-new-sequence")
            frame.get_by_label("Cold outreach (4 emails)").check()
            frame.get_by_label("Name (optional)").fill("Q4 outreach")
            frame.get_by_role("button", name="Create from the library").click()
            expect(frame.get_by_text("Q4 outreach").first).to_be_visible(timeout=30_000)
            page.wait_for_load_state("networkidle")
            screenshot(page, "enroll-flow-03-builder")
            with UnitOfWork(clean_db) as uow:
                [template] = list_templates(uow, org).items
                assert template.name == "Q4 outreach"
                # the library sends Tuesday to Thursday, 09-17 in the lead's zone; the test
                # must send whenever it runs, so the operator opens the window wide
                update_template(uow, org, template.id, TemplateUpdate(settings=ALWAYS_OPEN))
                # and links the first email to a page (the library's emails carry none)
                first = list_steps(uow, org, template.id)[0]
                html = first.config["html"].replace(
                    "</p>", ' <a href="https://acme.example/tour">A two-minute tour</a></p>', 1
                )
                update_step(uow, org, first.id, config={**first.config, "html": html})
                template_id = template.id

            frame.get_by_role("navigation", name="Sequences pages").get_by_role(
                "link", name="Sequences"
            ).click()
            row = frame.get_by_role("row", name=re.compile("Q4 outreach"))
            expect(row).to_be_visible()
            screenshot(page, "enroll-flow-04-list")
            row.get_by_role("link", name="Enroll leads in Q4 outreach").click()
            frame.get_by_label("CSV file").set_input_files(str(_csv(tmp_path)))
            frame.get_by_role("button", name="Upload and check").click()
            summary = frame.locator("#plan-summary")
            expect(summary).to_contain_text("18 will be enrolled, 2 skipped", timeout=30_000)
            reasons = frame.locator(".reasons").first
            expect(reasons).to_contain_text("suppressed: 1")
            expect(reasons).to_contain_text("lead left company: 1")
            expect(frame.get_by_text("20 lines read: 19 leads created, 1 updated")).to_be_visible()
            frame.locator("#check").scroll_into_view_if_needed()
            screenshot(page, "enroll-flow-05-dry-run")
            frame.get_by_role("button", name="Enroll 18 leads").click()
            notice = frame.locator(".notice")
            expect(notice).to_contain_text("Enrolled 18 leads; 2 skipped.", timeout=30_000)
            screenshot(page, "enroll-flow-06-enrollments")
            with UnitOfWork(clean_db) as uow:
                live = uow.session.scalars(
                    select(SequenceEnrollment).where(SequenceEnrollment.template_id == template_id)
                ).all()
                assert len(live) == 18

            ran = acme.post(f"{API}/execute", {})
            assert ran.status_code == 200 and ran.json["summary"]["sent"] == 18, ran.json
            _age_sends(clean_db)
            click = acme.client.get(
                _local(_sent_click(tmp_path / "outbox", "lead1@buyer.example")),
                headers={"User-Agent": IPHONE},
            )
            assert click.status_code == 302
            assert app.extensions["sequences"].hits.flush() == 1
            with UnitOfWork(clean_db) as uow:
                clicked = uow.session.scalars(
                    select(SequenceEmailEvent).where(SequenceEmailEvent.type == "click")
                ).one()
                assert not clicked.bot

            frame.get_by_role("navigation", name="Sequences pages").get_by_role(
                "link", name="Leads"
            ).click()
            frame.get_by_label("Search").fill("lead1@")
            frame.get_by_label("Search").press("Enter")
            expect(frame.get_by_role("link", name="lead0@buyer.example")).to_have_count(0)
            screenshot(page, "enroll-flow-07-leads")
            frame.get_by_role("link", name="lead1@buyer.example").click()
            timeline = frame.get_by_role("region", name="Timeline events")
            expect(timeline).to_contain_text("click", timeout=30_000)
            expect(timeline).to_contain_text(clicked.url)
            expect(timeline).to_contain_text("Europe/Berlin")  # lead1's zone
            expect(frame.get_by_text("Next email:")).to_be_visible()
            screenshot(page, "enroll-flow-08-timeline")
            page.set_viewport_size({"width": 420, "height": 800})
            assert frame.locator("body").evaluate("b => b.scrollWidth <= b.clientWidth")
            screenshot(page, "enroll-flow-09-timeline-420")
            page.set_viewport_size({"width": 1280, "height": 800})

            frame.get_by_role("link", name="Q4 outreach").first.click()
            frame.get_by_role("button", name="Pause lead1@buyer.example").click()
            expect(frame.locator(".notice")).to_contain_text("1 enrollment paused.")
            frame.get_by_label("Status").select_option("paused")
            frame.get_by_role("button", name="Apply", exact=True).click()
            expect(frame.get_by_role("region", name="Enrollments")).to_contain_text("manual")
            screenshot(page, "enroll-flow-10-paused")
            frame.get_by_role("button", name="Resume lead1@buyer.example").click()
            expect(frame.locator(".notice")).to_contain_text("1 enrollment resumed.")
            screenshot(page, "enroll-flow-11-resumed")
            with UnitOfWork(clean_db) as uow:
                statuses = set(
                    uow.session.scalars(
                        select(SequenceEnrollment.status).where(
                            SequenceEnrollment.template_id == template_id
                        )
                    )
                )
            assert statuses == {"active"}
    finally:
        app.extensions["sequences"].hits.close()
