"""The builder in a real `airflow standalone`, driven by Debian's chromium, as a user works:
open Sequences from Airflow's navigation, create a sequence from the library, add an email,
a wait and a condition, reorder by drag and drop and by keyboard, see the inline error of a
broken subject, fix it, preview for a lead who lacks a custom field (the fallback shows),
save, reload and find everything persisted (read back through the REST API).
Screenshots of each state go to tests/artifacts/builder-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sequences_core.devstack.local_airflow import SEQUENCES_UI_PATH
from tests.api_support import API
from tests.ui_support import (  # noqa: F401 - airflow_ui is a fixture
    UI_GROUP,
    airflow_page,
    airflow_ui,
    screenshot,
    sequences_frame,
)

# The first UI test of a session also waits for Airflow to start (minutes on a busy host).
pytestmark = [UI_GROUP, pytest.mark.timeout(600)]


def _order(acme: Any, template_id: str) -> list[str]:
    steps = acme.get(f"{API}/steps", query_string={"template_id": template_id}).json["items"]
    return [s["type"] for s in steps]


def _ids(frame: Any) -> list[str]:
    return frame.locator(".step-card").evaluate_all(
        "cards => cards.map(c => c.getAttribute('data-step-id'))"
    )


def test_build_a_sequence_in_the_builder(airflow_ui, acme):
    from playwright.sync_api import expect

    acme.post(f"{API}/mailboxes", {"from_email": "ann@acme.example", "from_name": "Ann"})
    acme.post(f"{API}/leads", {"email": "pro@lead.example", "custom_fields": {"plan": "Pro"}})
    acme.post(f"{API}/leads", {"email": "dee@lead.example", "first_name": "Dee"})
    with airflow_page(airflow_ui) as page:
        page.get_by_role("link", name="Sequences").click()
        frame = sequences_frame(page)
        frame.get_by_role("link", name="New sequence").click()
        frame.get_by_label("Name (optional)").fill("Browser outreach")
        frame.get_by_role("button", name="Create from the library").click()
        expect(frame.get_by_role("heading", name="Browser outreach")).to_be_visible(timeout=30_000)
        reorder_url = frame.locator("#steps").get_attribute("data-reorder-url")
        template_id = re.search(r"/builder/([0-9a-f-]{36})", reorder_url).group(1)
        start = _order(acme, template_id)
        assert start and start[0] == "email"
        expect(frame.locator(".step-card")).to_have_count(len(start))
        screenshot(page, "builder-1-from-library")

        for kind in ("email", "wait", "condition"):
            frame.get_by_role("button", name=f"Add {kind}").click()
            expect(frame.locator("#editor-h")).to_contain_text(kind.capitalize())
        assert _order(acme, template_id) == [*start, "email", "wait", "condition"]
        expect(frame.locator(".step-card").last.locator(".branch")).to_have_count(2)
        screenshot(page, "builder-2-steps-added")
        rules = frame.locator("#rule-builder")  # the condition's editor: rules as controls
        expect(rules.get_by_label("Match:")).to_have_value("all")
        rules.get_by_role("button", name="Add field rule").click()  # unsaved: the notice
        expect(frame.locator("#dirty-notice")).to_be_visible()
        assert '"op": "exists"' in frame.locator("#f-rules").input_value()
        screenshot(page, "builder-2b-condition-editor")

        # drag the condition onto the wait (it goes above), then Alt+ArrowDown on the new
        # email moves it below the condition
        cards = frame.locator(".step-card")
        n = cards.count()
        before = _ids(frame)
        cards.nth(n - 1).drag_to(cards.nth(n - 2))
        expect(frame.locator("#reorder-status")).to_have_text(re.compile("Order saved"))
        dragged = [*before[: n - 2], before[n - 1], before[n - 2]]
        assert _ids(frame) == dragged
        assert _order(acme, template_id) == [*start, "email", "condition", "wait"]
        frame.locator("#reorder-status").evaluate("e => e.textContent = ''")
        frame.locator(f"#card-{dragged[n - 3]}").focus()
        page.keyboard.press("Alt+ArrowDown")
        expect(frame.locator("#reorder-status")).to_have_text(re.compile("Order saved"))
        assert _order(acme, template_id) == [*start, "condition", "email", "wait"]
        screenshot(page, "builder-3-reordered")

        # the new email: a broken subject shows its error at the field before saving
        email_id = dragged[n - 3]
        frame.locator(f"#card-{email_id}").get_by_role("link", name=re.compile("^Edit")).click()
        subject = frame.get_by_label("Subject")
        subject.fill("Plans for {{ first_name")
        error = frame.locator('[data-error-for="subject"]')
        expect(error).to_be_visible()
        expect(error).to_contain_text("line 1")
        screenshot(page, "builder-4-inline-error")
        subject.fill(
            "Your {{ plan | default('starter') }} plan, {{ first_name | default('there') }}"
        )
        expect(error).to_be_hidden()
        expect(frame.locator("#subject-count")).to_contain_text("over 50")
        frame.get_by_label("HTML body").fill(
            "<p>Hi {{ first_name | default('there') }}, "
            "your {{ plan | default('starter') }} plan.</p>"
        )

        # preview for Dee, who has no `plan`: the fallback shows
        frame.get_by_label("Lead", exact=True).fill("dee")
        expect(frame.locator("#lead-id")).to_contain_text("dee@lead.example")
        preview = frame.frame_locator("#pv-html")
        expect(preview.locator("body")).to_contain_text("Hi Dee, your starter plan.")
        expect(frame.locator("#pv-subject")).to_have_text("Your starter plan, Dee")
        expect(frame.locator("#pv-text")).to_contain_text("Unsubscribe")
        frame.locator("#pv-text").scroll_into_view_if_needed()
        screenshot(page, "builder-5-preview")

        frame.get_by_role("button", name="Save step").click()
        expect(frame.locator(".notice.ok")).to_have_text("Saved.")
        page.goto(airflow_ui.url + SEQUENCES_UI_PATH)  # Airflow's page again: the list
        frame = sequences_frame(page)
        frame.get_by_role("link", name="Open the builder for Browser outreach").click()
        card = frame.locator(f"#card-{email_id}")
        expect(card).to_contain_text("Your {{ plan | default('starter') }} plan")
        assert _order(acme, template_id) == [*start, "condition", "email", "wait"]
        steps = acme.get(f"{API}/steps", query_string={"template_id": template_id}).json["items"]
        saved = next(s for s in steps if s["id"] == email_id)
        assert saved["config"]["subject"].startswith("Your {{ plan | default('starter') }}")
        assert "your {{ plan | default('starter') }} plan." in saved["config"]["html"]
        screenshot(page, "builder-6-saved-reloaded")
        frame.locator("#settings > summary").click()
        expect(frame.get_by_label("Jitter minutes")).to_be_visible()
        frame.get_by_label("Jitter minutes").scroll_into_view_if_needed()
        screenshot(page, "builder-6b-settings")

        page.set_viewport_size({"width": 420, "height": 800})
        body = frame.locator("body")
        expect(frame.get_by_role("button", name="Add email")).to_be_visible()
        assert body.evaluate("b => b.scrollWidth <= b.clientWidth")
        screenshot(page, "builder-7-narrow")
        assert [d for d in page.dialogs if "alert" in d] == []
