"""What the Sequences UI tests share: the plugin package on the path, the plugin app mounted
as Airflow mounts it, and one real `airflow standalone` per test session.

Airflow takes most of a minute to start on two cores, so every browser test of the UI shares
one instance (they carry `pytest.mark.xdist_group("airflow_ui")` so one worker runs them).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
from airflow.api_fastapi.core_api.security import get_user
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import free_port
from sequences_core.devstack.local_airflow import LocalAirflow, airflow_env, start_airflow

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
UI_GROUP = pytest.mark.xdist_group("airflow_ui")

if str(PLUGINS) not in sys.path:  # Airflow puts its plugins folder on sys.path the same way
    sys.path.append(str(PLUGINS))


def plugin_class() -> type:
    return importlib.import_module("sequences_plugin").SequencesPlugin  # type: ignore[no-any-return]


def mounted_app() -> FastAPI:
    """A root app with the plugin's FastAPI apps mounted as Airflow's `init_plugins` does."""
    root = FastAPI()
    for entry in plugin_class().fastapi_apps:
        root.mount(entry["url_prefix"], entry["app"])
    return root


@pytest.fixture(scope="session")
def airflow_ui(pg_server, db_url, worker, tmp_path_factory) -> Iterator[LocalAirflow]:  # type: ignore[no-untyped-def]
    """`airflow standalone` as `make run` starts it (plugins folder, DAGs, admin login), on a
    free port, its metadata in its own database, the Sequences database the tests' one."""
    home = tmp_path_factory.mktemp("airflow-ui")
    meta = pg_server.fresh_database(f"airflow_ui_meta_{worker}")
    port = str(free_port())
    env = airflow_env(home, meta, db_url, "aws://")
    env.update(
        AIRFLOW__API__PORT=port,
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        SEQUENCES_DATABASE_URL=db_url,
    )
    airflow = start_airflow(home, env, timeout=480)  # a busy 2-core host needs more than 240 s
    try:
        yield airflow
    finally:
        airflow.stop()


@pytest.fixture
def signed_in(clean_db, monkeypatch):  # type: ignore[no-untyped-def]
    """The app with Airflow's user lookup answering one user, as if their `_token` were
    valid; the units of work are the tests' database."""
    from sequences_ui import pages

    monkeypatch.setattr(pages, "units", lambda: lambda: UnitOfWork(clean_db))
    root = mounted_app()
    [entry] = plugin_class().fastapi_apps
    app = entry["app"].app
    users: dict[str, Any] = {"name": "alice"}
    app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(
        username=users["name"], role="admin"
    )
    [access] = app.router.dependencies  # requires_access_view(PLUGINS): the auth manager's
    app.dependency_overrides[access.dependency] = lambda: None
    from sequences_ui.editing import can_edit  # the auth manager's too: an admin may edit

    app.dependency_overrides[can_edit] = lambda: True
    from sequences_ui.editing import can_edit  # the auth manager's edit check (DAG PUT)

    users["can_edit"] = True  # a test sets it False to be a viewer
    app.dependency_overrides[can_edit] = lambda: bool(users["can_edit"])
    try:
        yield TestClient(root), users
    finally:
        app.dependency_overrides.clear()


@contextmanager
def airflow_page(airflow: LocalAirflow, width: int = 1280, height: int = 800) -> Iterator[Any]:
    """Chromium signed in to the real Airflow, on its home page; dialogs are accepted and
    recorded in `page.dialogs` (a confirm() is answered yes)."""
    from playwright.sync_api import sync_playwright

    from tests.test_docs_browser import chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.dialogs = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.accept()))
            page.goto(airflow.url, timeout=60_000)
            page.get_by_label("Username").fill(airflow.username)
            page.get_by_label("Password").fill(airflow.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/auth/" not in url, timeout=60_000)
            yield page
        finally:
            browser.close()


def sequences_frame(page: Any) -> Any:
    """The Sequences page inside Airflow's frame (open it from the navigation first)."""
    return page.frame_locator("iframe[title='Sequences']")


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
