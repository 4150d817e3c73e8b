"""The dashboard in a real `airflow standalone` and Chromium: open it from the Sequences
navigation, read its numbers, run a dispatch through SES (moto), reload and see the numbers
and the chart change, then open a template's metrics from the list. Screenshots at 1280x800
and 420 px go to tests/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn
from sequences_core.services.cycle import run_cycle
from sequences_core.services.organizations import create_organization
from tests.metrics_support import email_condition_email, sent_email, set_status
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence
from tests.ui_support import (  # noqa: F401 - a fixture
    UI_GROUP,
    airflow_page,
    airflow_ui,
    screenshot,
    sequences_frame,
)

pytestmark = UI_GROUP
LEADS = 5


def _dispatch_through_ses(clean_db, moto_server, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    import boto3

    from sequences_core.rules.tokens import Tokens
    from sequences_core.runtime.config import Settings
    from sequences_core.runtime.wiring import build_sender
    from sequences_core.services.dispatch import DispatchContext

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SEQUENCES_SENDER", "ses")
    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    ctx = DispatchContext(
        sender=build_sender(Settings.from_env()),
        tokens=Tokens("k"),
        now=lambda: datetime.now(UTC),
        public_url="https://track.example",
    )
    return run_cycle(lambda: UnitOfWork(clean_db), ctx).dispatch.sent


def _card(frame, name: str):  # type: ignore[no-untyped-def]
    return frame.locator(".card", has=frame.get_by_text(name, exact=True)).locator("dd").first


def test_dashboard_numbers_and_chart_follow_a_dispatch(
    airflow_ui, clean_db, moto_server, monkeypatch
):
    from playwright.sync_api import expect

    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme Outbound", timezone="Europe/Berlin").organization
        mailbox(uow, org.id)
        earlier = email_condition_email(uow, org.id, name="Autumn follow-up", enrolled=1)
        three_days_ago = datetime.now(UTC) - timedelta(days=3)
        sent_email(uow, org.id, earlier, 0, 0, ["delivered", "open"], three_days_ago)
        set_status(uow, earlier.enrollments[0], "completed")  # nothing more for it to send
        template = sequence(uow, org.id, [email_step("Hello {{ first_name }}")], **ALWAYS)
        people = [LeadIn(email=f"ann{i}@lead.example", first_name=f"Ann{i}") for i in range(LEADS)]
        enrol(uow, org.id, template, people, datetime.now(UTC) - timedelta(minutes=1))
    with airflow_page(airflow_ui) as page:
        page.get_by_role("link", name="Sequences").click()
        frame = sequences_frame(page)
        frame.get_by_role("link", name="Dashboard").click()
        expect(frame.get_by_role("heading", name="Dashboard")).to_be_visible(timeout=30_000)
        expect(_card(frame, "Active enrollments")).to_have_text(str(LEADS))
        expect(_card(frame, "Sent today")).to_have_text("0")
        chart = frame.locator("svg.chart-svg desc")
        expect(chart).to_contain_text("1 emails sent (bars)")
        expect(frame.get_by_text("since 00:00 Europe/Berlin")).to_be_visible()
        screenshot(page, "ui-dashboard-before-1280")

        assert _dispatch_through_ses(clean_db, moto_server, monkeypatch) == LEADS

        page.reload()
        page.get_by_role("link", name="Sequences").click()
        frame = sequences_frame(page)
        frame.get_by_role("link", name="Dashboard").click()
        expect(_card(frame, "Sent today")).to_have_text(str(LEADS), timeout=30_000)
        expect(_card(frame, "Sent this week")).not_to_have_text("0")
        expect(chart).to_contain_text(f"{LEADS + 1} emails sent (bars)")
        today = frame.locator("svg.chart-svg .bars rect title").last
        expect(today).to_contain_text(f": {LEADS} emails sent")
        screenshot(page, "ui-dashboard-1280")
        page.set_viewport_size({"width": 420, "height": 800})
        body = frame.locator("body")
        expect(_card(frame, "Sent today")).to_be_visible()
        assert body.evaluate("b => b.scrollWidth <= b.clientWidth")
        screenshot(page, "ui-dashboard-420")

        page.set_viewport_size({"width": 1280, "height": 800})
        frame.get_by_role("link", name="Sequences", exact=True).click()
        frame.get_by_role("link", name="Metrics of Outreach").click()
        expect(frame.get_by_role("heading", name="Outreach", exact=True)).to_be_visible(
            timeout=30_000
        )
        funnel = frame.locator("svg.funnel").first
        expect(funnel.locator("desc")).to_contain_text(f"Sent {LEADS} (100.0%)")
        expect(_card(frame, "Sent")).to_have_text(str(LEADS))
        screenshot(page, "ui-metrics-1280")
        page.set_viewport_size({"width": 420, "height": 800})
        expect(funnel).to_be_visible()
        assert frame.locator("body").evaluate("b => b.scrollWidth <= b.clientWidth")
        screenshot(page, "ui-metrics-420")
        assert page.dialogs == []
