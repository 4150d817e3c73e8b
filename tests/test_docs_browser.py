"""The docs page in a real browser: Swagger UI loads the generated document from a real
server, and "Try it out" answers 401 without an API key and 200 with one given through the
viewer's own Authorize dialog.

Debian's chromium drives it (Playwright's own browser builds cannot be downloaded here);
`make system-deps` installs it, and so does this module when it can.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.templates import create_template
from tests.api_support import API, build_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TEMPLATES = "#operations-templates-get__api_sequences_templates"

# One worker installs and drives the browser (apt holds a lock; one chromium is enough).
pytestmark = pytest.mark.xdist_group("browser")


def chromium() -> Path:
    """Debian's chromium, installed now if it is missing and this user may install it;
    otherwise the test is skipped, saying why."""
    if CHROMIUM.exists():
        return CHROMIUM
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if not shutil.which("apt-get") or (sudo and not shutil.which("sudo")):
        pytest.skip(f"{CHROMIUM} is absent and there is no apt-get (or sudo) to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    steps = (["apt-get", "update", "-qq"], install)
    for step in steps:
        done = subprocess.run([*sudo, *step], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"{CHROMIUM} is absent and `{' '.join(step)}` failed: {reason[0]}")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent even after installing Debian's chromium")
    return CHROMIUM


@pytest.fixture
def server(clean_db, tmp_path) -> Iterator[str]:
    """The app on 127.0.0.1 (a free port), served by werkzeug in a thread."""
    app = build_app(clean_db, tmp_path)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)
        app.extensions["sequences"].hits.close()


def test_try_it_out_answers_401_without_a_key_and_200_with_one(server, clean_db):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium()
    with UnitOfWork(clean_db) as uow:
        created = create_organization(uow, "Acme")
        create_template(uow, created.organization.id, TemplateCreate(name="Cold outreach"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(f"{server}{API}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Sequences API")
            operation = page.locator(TEMPLATES)
            operation.locator(".opblock-summary").click()
            operation.get_by_role("button", name="Try it out").click()
            operation.get_by_role("button", name="Execute").click()
            status = operation.locator(".live-responses-table .response .response-col_status")
            expect(status).to_have_text("401", timeout=15_000)

            page.locator(".auth-wrapper .authorize").click()
            dialog = page.locator(".dialog-ux .modal-ux")
            dialog.locator("input").fill(created.api_key)
            dialog.locator(".auth-btn-wrapper button.authorize").click()
            expect(dialog).to_contain_text("Authorized")
            dialog.locator(".auth-btn-wrapper button.btn-done").click()
            operation.get_by_role("button", name="Execute").click()
            expect(status).to_have_text("200", timeout=15_000)
            body = operation.locator(".live-responses-table .response .response-col_description")
            expect(body).to_contain_text("Cold outreach")
            ARTIFACTS.mkdir(exist_ok=True)
            operation.screenshot(path=str(ARTIFACTS / "docs-try-it-out.png"))
        finally:
            browser.close()
