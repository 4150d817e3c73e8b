"""The forecast in a real `airflow standalone` and Chromium: open it from the Sequences
navigation, read the sentence and the chart for 30 leads at a mailbox that sends 10 a day,
run a dispatch, reload and see the forecast take the spent day into account. Screenshots at
1280x800 and 420 px go to tests/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.schemas import LeadIn
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.dispatch import DispatchContext, dispatch_due
from sequences_core.services.organizations import create_organization
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence
from tests.ui_support import (  # noqa: F401 - a fixture
    UI_GROUP,
    airflow_page,
    airflow_ui,
    screenshot,
    sequences_frame,
)

pytestmark = [UI_GROUP, pytest.mark.timeout(900)]  # Airflow's start on a busy host is in it
LEADS, PER_DAY = 30, 10


def test_forecast_shows_how_long_the_limit_makes_the_leads_take(airflow_ui, clean_db, tmp_path):
    from playwright.sync_api import expect

    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme Outbound", timezone="UTC").organization
        mailbox(uow, org.id, daily_limit=PER_DAY)
        template = sequence(uow, org.id, [email_step("Hello {{ first_name }}")], **ALWAYS)
        people = [LeadIn(email=f"ann{i}@lead.example", first_name="Ann") for i in range(LEADS)]
        enrol(uow, org.id, template, people, datetime.now(UTC) - timedelta(minutes=1))
    with airflow_page(airflow_ui) as page:
        page.get_by_role("link", name="Sequences").click()
        frame = sequences_frame(page)
        frame.get_by_role("link", name="Forecast").click()
        expect(frame.get_by_role("heading", name="Send forecast")).to_be_visible(timeout=30_000)
        headline = frame.locator("#forecast-summary")
        expect(headline).to_contain_text(f"{LEADS} leads waiting for a first email")
        expect(headline).to_contain_text(
            f"(3 days) at mailbox dana@sender.example's limit of {PER_DAY}/day"
        )
        chart = frame.locator("svg.chart-svg.forecast")
        expect(chart.locator("desc")).to_contain_text(f"{LEADS} emails sent (bars)")
        expect(chart.locator("text.value").first).to_have_text(str(PER_DAY))
        expect(chart).to_be_visible()
        screenshot(page, "ui-forecast-1280")

        ctx = DispatchContext(
            sender=OutboxSender(tmp_path), tokens=Tokens("k"),
            public_url="https://track.example", now=lambda: datetime.now(UTC),
        )  # fmt: skip
        assert dispatch_due(lambda: UnitOfWork(clean_db), ctx).sent == PER_DAY

        frame.get_by_role("link", name="Outreach").click()  # the template's own forecast
        expect(headline).to_contain_text(f"{LEADS - PER_DAY} leads waiting", timeout=30_000)
        expect(headline).to_contain_text("(3 days)")  # today's 10 are spent: two more days
        expect(chart.locator("text.value").first).to_have_text("0")
        screenshot(page, "ui-forecast-template-1280")
        page.set_viewport_size({"width": 420, "height": 800})
        expect(chart).to_be_visible()
        assert frame.locator("body").evaluate("b => b.scrollWidth <= b.clientWidth")
        screenshot(page, "ui-forecast-420")
        assert page.dialogs == []
