"""The Sequences plugin app as Airflow mounts it: every route asks for Airflow's auth, and
the template list escapes what users typed and shows what the list promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from airflow.api_fastapi.app import RESERVED_URL_PREFIXES
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import insert

from sequences_core.db.models import SequenceEmailEvent
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.local_airflow import SEQUENCES_UI_PATH
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.templates import create_template, delete_template
from tests.ui_support import ROOT, mounted_app, plugin_class, signed_in  # noqa: F401 - a fixture

XSS = "<script>alert(1)</script>"


def test_the_plugin_puts_sequences_in_airflows_navigation():
    plugin = plugin_class()
    [view] = plugin.external_views
    assert view["destination"] == "nav"
    assert f"/plugin/{view['url_route']}" == SEQUENCES_UI_PATH  # what `make run` prints
    [app] = plugin.fastapi_apps
    assert app["url_prefix"] == "/sequences" and view["href"].startswith("/sequences/")
    assert not any(app["url_prefix"].startswith(p) for p in RESERVED_URL_PREFIXES)


def test_importing_the_plugin_imports_nothing_heavy():
    """Every task run imports it (Airflow loads plugins for macros)."""
    probe = (
        "import sys, airflow.plugins_manager; before = set(sys.modules); "
        "import sequences_plugin; print(sorted(set(sys.modules) - before))"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    new = done.stdout.strip().splitlines()[-1]
    for heavy in ("fastapi", "jinja2", "sequences_core", "airflow.api_fastapi", "sqlalchemy"):
        assert f"'{heavy}" not in new, (heavy, new)


def test_compose_api_server_loads_the_same_plugin_folder():
    compose = yaml.safe_load((ROOT / "docker-compose.airflow.yml").read_text())
    env = compose["x-airflow"]["environment"]
    assert f"./plugins:{env['AIRFLOW__CORE__PLUGINS_FOLDER']}" in compose["x-airflow"]["volumes"]
    assert "COPY plugins " in (ROOT / "Dockerfile").read_text()
    assert "SEQUENCES_DATABASE_URL" in env  # what the pages' units of work read


def test_airflow_imports_only_the_plugin_module_from_the_folder():
    """Airflow imports every .py file it finds there as a top-level module (`app`, …)."""
    from airflow._shared.module_loading import find_path_from_directory

    found = find_path_from_directory(str(ROOT / "plugins"), ".airflowignore", "glob")
    assert [Path(p).name for p in found if p.endswith(".py")] == ["sequences_plugin.py"]


def _routes() -> list[tuple[str, str]]:
    [entry] = plugin_class().fastapi_apps
    found = [
        (method, entry["url_prefix"] + re.sub(r"\{[^}]+\}", "x", route.path))
        for route in entry["app"].app.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]
    assert len(found) >= 3  # the list, the organization choice, the stylesheet
    return found


@pytest.mark.parametrize(("method", "path"), _routes())
def test_every_route_answers_401_without_airflows_token(method, path):
    client = TestClient(mounted_app())
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code in (401, 403), (method, path, response.status_code)
    # a bearer of nothing, or an empty cookie, is no better
    response = client.request(method, path, headers={"Authorization": "Bearer "})
    assert response.status_code in (401, 403)


def test_user_content_renders_as_text_everywhere(signed_in, clean_db):
    client, _ = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, f"{XSS} Org").organization
        create_template(
            uow, org.id, TemplateCreate(name=XSS, description='"><img src=x onerror=alert(2)>')
        )
    page = client.get("/sequences/", params={"q": f'"><{XSS}'})
    assert page.status_code == 200
    assert "No sequences match" in page.text  # the search itself is echoed back, escaped
    page = client.get("/sequences/")
    assert page.status_code == 200
    assert XSS not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.text.count("&lt;script&gt;") >= 3  # the org selector, the row, the summary
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_list_shows_counts_rates_and_last_send_and_filters_and_sorts(signed_in, clean_db):
    from sequences_core.services.enrollments import enroll_lead
    from tests.factories import leads, template_with_steps

    client, _ = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme", timezone="Europe/Berlin").organization
        busy = template_with_steps(uow, org.id, steps=3)
        quiet = create_template(uow, org.id, TemplateCreate(name="Another", category="nurture")).id
        gone = create_template(uow, org.id, TemplateCreate(name="Old one")).id
        delete_template(uow, org.id, gone)
        lead_ids = leads(uow, org.id, 2)
        enrollments = [enroll_lead(uow, org.id, busy, lead) for lead in lead_ids]
        sent_at = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
        rows = [
            {"type": "sent", "bot": False},
            {"type": "sent", "bot": False},
            {"type": "open", "bot": True},  # a scanner: counted in no rate
            {"type": "reply", "bot": False},
        ]
        uow.session.execute(
            insert(SequenceEmailEvent),
            [
                {
                    "organization_id": org.id,
                    "enrollment_id": enrollments[i % 2].id,
                    "lead_id": lead_ids[i % 2],
                    "occurred_at": sent_at,
                    **row,
                }
                for i, row in enumerate(rows)
            ],
        )
        uow.commit()
    page = client.get("/sequences/")
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", page.text)
    row = re.search(r"Outreach</span>.*?</tr>", text).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert [re.sub("<[^>]+>", "", c).strip() for c in cells[:9]] == [  # then the actions
        "Cold outreach", "Active", "3", "2", "2", "0.0%", "0.0%", "50.0%",
        "2026-11-30 10:05 Europe/Berlin",
    ]  # fmt: skip
    assert "Old one" not in text and "Another" in text
    assert "Old one" in client.get("/sequences/", params={"archived": "true"}).text
    nurture = client.get("/sequences/", params={"category": "nurture"}).text
    assert "Another" in nurture and "Outreach</span>" not in nurture
    by_name = client.get("/sequences/", params={"sort": "name"}).text
    assert by_name.index("Another") < by_name.index("Outreach</span>")
    by_reply = client.get("/sequences/", params={"sort": "reply_rate"}).text
    assert by_reply.index("Outreach</span>") < by_reply.index("Another")
    assert quiet


def test_the_chosen_organization_is_remembered_per_user(signed_in, clean_db):
    client, users = signed_in
    with UnitOfWork(clean_db) as uow:
        first = create_organization(uow, "A first").organization
        second = create_organization(uow, "B second").organization
        create_template(uow, first.id, TemplateCreate(name="First's"))
        create_template(uow, second.id, TemplateCreate(name="Second's"))
    page = client.get("/sequences/").text
    assert "First&#39;s" in page and "Second&#39;s" not in page  # the first by name
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    forged = client.post(
        "/sequences/organization", data={"organization": str(second.id), "csrf": "x" * 64}
    )
    assert forged.status_code == 403
    unknown = client.post(
        "/sequences/organization", data={"organization": str(uuid.uuid4()), "csrf": csrf}
    )
    assert unknown.status_code == 422
    chosen = client.post(
        "/sequences/organization",
        data={"organization": str(second.id), "csrf": csrf},
        follow_redirects=False,
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/sequences/"
    assert "Path=/sequences" in chosen.headers["set-cookie"]
    assert "HttpOnly" in chosen.headers["set-cookie"]
    assert "Second&#39;s" in client.get("/sequences/").text
    users["name"] = "bob"  # the same browser, another Airflow user: alice's choice is not his
    assert "First&#39;s" in client.get("/sequences/").text


def test_empty_states_say_what_to_do(signed_in, clean_db):
    client, _ = signed_in
    assert "No organization to work in" in client.get("/sequences/").text
    with UnitOfWork(clean_db) as uow:
        create_organization(uow, "Acme")
    assert "No sequences yet" in client.get("/sequences/").text
    page = client.get("/sequences/", params={"q": "nothing like this"}).text
    assert "No sequences match" in page and "Show all sequences" in page


def test_a_failure_is_a_page_without_a_trace(signed_in, monkeypatch):
    from sequences_ui import pages as ui

    def broken() -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(ui, "units", lambda: broken)
    client, _ = signed_in
    client = TestClient(client.app, raise_server_exceptions=False)
    page = client.get("/sequences/")
    assert page.status_code == 500
    assert "Something went wrong" in page.text and "secret detail" not in page.text
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
