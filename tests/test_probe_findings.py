"""Regression tests for what a black-box probe of the Sequences UI found (a user's and a
hostile user's requests against a running stack). Each finding is fixed, and its test guards
the fix."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.templates import create_template
from tests.ui_support import signed_in  # noqa: F401 - a fixture


@pytest.fixture
def acme(signed_in, clean_db) -> dict[str, Any]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A signed-in editor in an organization with one template, and the page's form token."""
    client, _users = signed_in
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, "Acme").organization
        template = create_template(uow, org.id, TemplateCreate(name="Welcome"))
    page = client.get("/sequences/")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf is not None, page.text[:300]
    return {"client": client, "csrf": csrf.group(1), "template": template.id}


def _is_page(answer: Any) -> bool:
    """An HTML page of the app (base.html's body carries the form token), not FastAPI's JSON."""
    return answer.headers.get("content-type", "").startswith("text/html") and "data-base=" in (
        answer.text
    )


# Finding P1: a form value over a route's Form(max_length=...) (here a 1,001-character
# sequence name on New sequence) answers FastAPI's raw JSON 422 ({"detail": [...]}, echoing
# the whole input) instead of the page with the message at the field and the typed values
# kept; the app has no RequestValidationError handler, so every Form/Query constraint does it.


def test_an_over_long_form_value_is_the_page_with_the_message_and_typed_values(acme):
    answer = acme["client"].post(
        "/sequences/new",
        data={"csrf": acme["csrf"], "name": "N" * 1001, "description": "typed by hand"},
    )
    assert answer.status_code == 422
    assert _is_page(answer), answer.text[:200]
    assert "typed by hand" in answer.text


# Finding P2: a POST without (or with an expired) form token is a 403 as it should be, but
# the frame then shows the raw JSON {"detail": "The form expired; reload the page"} instead
# of a page that says so with a way back.


def test_a_post_without_the_form_token_is_a_403_page(acme):
    answer = acme["client"].post("/sequences/new", data={"name": "x"})
    assert answer.status_code == 403
    assert _is_page(answer), answer.text[:200]


# Finding P3: an unknown path under /sequences (a mistyped or stale link) is FastAPI's JSON
# {"detail": "Not Found"} inside Airflow's frame, not the app's 404 page with its navigation.


def test_an_unknown_path_is_the_404_page(acme):
    answer = acme["client"].get("/sequences/definitely-not-a-page")
    assert answer.status_code == 404
    assert _is_page(answer), answer.text[:200]


# Finding P4: choosing an organization id that is not a UUID (a tampered selector) is a raw
# JSON 422 {"detail": "No such organization"} rather than a page.


def test_a_tampered_organization_choice_is_a_page(acme):
    answer = acme["client"].post(
        "/sequences/organization", data={"csrf": acme["csrf"], "organization": "not-a-uuid"}
    )
    assert answer.status_code in (404, 422)
    assert _is_page(answer), answer.text[:200]
