"""Long URLs and headers against the real gunicorn (issue 17 part 6): the open pixel is a GIF
whatever it is sent, the API answers its JSON error shape, never gunicorn's HTML page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from sequences_core.db.uow import UnitOfWork
from sequences_core.services.organizations import create_organization
from tests.test_tracking_server import call, server  # noqa: F401  (the gunicorn fixture)
from tracking_app.gunicorn_worker import request_path
from tracking_app.tracking import PIXEL

PIXEL_PATH = "/api/sequences/track/open"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


@pytest.mark.parametrize("size", [5_000, 20_000])
def test_the_pixel_is_a_gif_however_long_its_url(server, size):  # noqa: F811
    base, _process, _var = server
    status, media, body = get(f"{base}{PIXEL_PATH}?eid={'x' * size}")
    assert (status, media, body) == (200, "image/gif", PIXEL)
    assert call(base, "GET", "/healthz")[0] == 200  # the worker serves on


def test_the_pixel_is_a_gif_with_a_header_too_large(server):  # noqa: F811
    base, _process, _var = server
    status, media, body = get(f"{base}{PIXEL_PATH}?eid=x", {"User-Agent": "u" * 20_000})
    assert (status, media, body) == (200, "image/gif", PIXEL)


def test_the_api_answers_json_however_long_its_url(server, clean_db):  # noqa: F811
    base, _process, _var = server
    with UnitOfWork(clean_db) as uow:
        key = create_organization(uow, "Acme").api_key
    auth = {"Authorization": f"Bearer {key}"}
    status, media, body = get(f"{base}/api/sequences/leads?q={'x' * 5_000}", auth)
    assert (status, media) == (422, "application/json")  # served: the query is too long
    assert json.loads(body)["error"]["fields"] == {
        "query.q": "String should have at most 200 characters"
    }
    status, media, body = get(f"{base}/api/sequences/leads?q={'x' * 20_000}", auth)
    assert (status, media) == (414, "application/json")
    error = json.loads(body)["error"]
    assert error["code"] == "request_uri_too_large" and "8,190 bytes" in error["message"]
    status, media, body = get(f"{base}/api/sequences/leads", {**auth, "X-Big": "b" * 20_000})
    assert (status, media) == (431, "application/json")
    assert json.loads(body)["error"]["code"] == "request_header_fields_too_large"


@pytest.mark.parametrize(
    ("head", "path"),
    [
        (b"GET /api/sequences/track/open?eid=abc", PIXEL_PATH),
        (b"GET /api/sequences/leads?q=" + b"x" * 3000, "/api/sequences/leads"),
        (b"GET /api/sequences/track/o", "/api/sequences/track/o"),
        (b"GARBAGE", ""),
    ],
)
def test_the_path_is_read_from_however_much_of_the_line_came(head, path):
    assert request_path(head) == path
