"""The Sequences UI in a real `airflow standalone`, driven by Debian's chromium: log in with
the generated admin password, open Sequences from Airflow's navigation, and see the
organization's templates inside Airflow's frame. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.local_airflow import SEQUENCES_UI_PATH
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.templates import create_template
from tests.test_docs_browser import chromium
from tests.ui_support import ARTIFACTS, UI_GROUP, airflow_ui  # noqa: F401 - a fixture

pytestmark = UI_GROUP


def test_without_a_token_the_real_api_server_answers_401(airflow_ui):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{airflow_ui.url}/sequences/", timeout=30)
    assert refused.value.code == 401


def test_sequences_opens_from_airflows_navigation(airflow_ui, clean_db):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium()
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme Outbound", timezone="Europe/Berlin").organization
        create_template(
            uow, org.id, TemplateCreate(name="Q1 cold outreach", category="cold_outreach")
        )
        create_template(uow, org.id, TemplateCreate(name="<script>alert(1)</script>"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            alerts: list[str] = []
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            page.goto(airflow_ui.url, timeout=60_000)
            page.get_by_label("Username").fill(airflow_ui.username)
            page.get_by_label("Password").fill(airflow_ui.password)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Sequences").click()
            expect(page).to_have_url(airflow_ui.url + SEQUENCES_UI_PATH, timeout=30_000)
            frame = page.frame_locator("iframe[title='Sequences']")
            table = frame.get_by_role("table")
            expect(table).to_contain_text("Q1 cold outreach", timeout=30_000)
            expect(table).to_contain_text("<script>alert(1)</script>")
            expect(frame.get_by_label("Organization")).to_have_value(str(org.id))
            frame.get_by_label("Search").fill("Q1")
            frame.get_by_label("Search").press("Enter")  # the keyboard submits the filters
            expect(table).not_to_contain_text("alert(1)")
            expect(table).to_contain_text("Q1 cold outreach")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "ui-sequences-1280.png"), full_page=True)
            page.set_viewport_size({"width": 420, "height": 800})  # narrow: the table scrolls,
            body = frame.locator("body")  # the page does not
            expect(frame.get_by_label("Search")).to_be_visible()
            assert body.evaluate("b => b.scrollWidth <= b.clientWidth")
            page.screenshot(path=str(ARTIFACTS / "ui-sequences-420.png"), full_page=True)
            assert alerts == []
        finally:
            browser.close()
