"""Public tracking: open pixel, click redirect, unsubscribe page and RFC 8058 one-click.

Opens and clicks are handed to the worker's hit buffer (no database wait per hit). The
pixel answers the same GIF whatever the token: a pixel must never break an email. A click
redirects only to the URL its signed token was made for, so there is no open redirect.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import unquote_plus

from flask import Blueprint, Response, render_template, request
from pydantic import Field
from werkzeug.urls import iri_to_uri

from sequences_core.clock import utcnow
from sequences_core.services.feedback import unsubscribe
from sequences_core.services.tracking import Hit
from tracking_app.registry import API, PREFIX
from tracking_app.schemas import Query
from tracking_app.state import state, unit

bp = Blueprint("tracking", __name__, url_prefix=PREFIX)
TAG = "tracking"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0", "Pragma": "no-cache"}


class OpenQuery(Query):
    eid: Annotated[str, Field(description="signed open token")] | None = None


class ClickQuery(Query):
    eid: Annotated[str, Field(description="signed click token")] | None = None
    url: Annotated[str, Field(description="the link; must match the token")] | None = None


class UnsubscribeQuery(Query):
    t: Annotated[str, Field(description="signed unsubscribe token")] | None = None


def _client(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """The caller's address and user agent, straight from the WSGI environ (what
    `request.remote_addr` and `.headers` read, without their wrappers: the pixel is the
    hottest path we serve). A proxy's X-Forwarded-For counts only through ProxyFix."""
    return environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT")


def first_query_value(query_string: str, name: str) -> str | None:
    """The first `name=` value of a query string, decoded as `request.args` would, without
    building the whole MultiDict (a fifth of the pixel's own time)."""
    for part in query_string.split("&"):
        key, _, value = part.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if key == name:
            return unquote_plus(value) if "%" in value or "+" in value else value
    return None


@API.route(
    bp, "/track/open", "GET", tag=TAG, query=OpenQuery, auth=False, media="image/gif",
    parse_query=False,
)  # fmt: skip
def track_open() -> Response:
    """The open pixel: a 43-byte transparent GIF, always; a valid token records an open."""
    app_state, environ = state(), request.environ
    token = first_query_value(environ.get("QUERY_STRING", ""), "eid")
    execution_id = app_state.tokens.read_open(token) if token else None
    if execution_id is not None:
        app_state.hits.add(Hit("open", execution_id, utcnow(), *_client(environ)))
    return Response(PIXEL, mimetype="image/gif", headers=NO_STORE)


def _plain_page(status: int, title: str, text: str) -> Response:
    body = render_template("message.html", title=title, text=text)
    return Response(body, status=status, mimetype="text/html", headers=NO_STORE)


@API.route(
    bp, "/track/click", "GET", tag=TAG, query=ClickQuery, auth=False, status=302,
    media="text/html", error_media="text/html",
)  # fmt: skip
def track_click(query: ClickQuery) -> Response:
    """Redirect to the link that was in the email; a forged or altered token is a 400."""
    app_state = state()
    click = app_state.tokens.read_click(query.eid, query.url) if query.eid and query.url else None
    if click is None or query.url is None:
        return _plain_page(400, "Link not valid", "This tracking link is not valid.")
    ip, agent = _client(request.environ)
    app_state.hits.add(
        Hit("click", click.execution_id, utcnow(), ip, agent, query.url, click.link_index)
    )
    location = iri_to_uri(query.url)  # an IRI from the email, made safe for the header
    return Response(status=302, headers={"Location": location, **NO_STORE})


@API.route(
    bp, "/unsubscribe", "GET", tag=TAG, query=UnsubscribeQuery, auth=False, media="text/html",
    error_media="text/html",
)  # fmt: skip
def unsubscribe_page(query: UnsubscribeQuery) -> Response:
    """A confirmation page with a button. A GET never unsubscribes: scanners follow links.

    A preview's or test send's link shows the same page, marked as a preview.
    """
    found = state().tokens.read_unsubscribe(query.t) if query.t else None
    if found is None:
        return _plain_page(400, "Link not valid", "This unsubscribe link is not valid.")
    body = render_template("unsubscribe.html", token=query.t, done=False, preview=found.preview)
    return Response(body, mimetype="text/html", headers=NO_STORE)


@API.route(
    bp, "/unsubscribe", "POST", tag=TAG, query=UnsubscribeQuery, auth=False, media="text/html",
    error_media="text/html",
)  # fmt: skip
def unsubscribe_post(query: UnsubscribeQuery) -> Response:
    """Unsubscribe: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the page's button.

    Suppresses the address at once and stops every enrollment of the lead; idempotent. A
    preview's or test send's link changes nothing: it reached the operator, not the lead.
    """
    token = query.t or request.form.get("t")
    found = state().tokens.read_unsubscribe(token) if token else None
    if found is None:
        return _plain_page(400, "Link not valid", "This unsubscribe link is not valid.")
    if not found.preview:
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        source = "one_click" if one_click else "link"
        unsubscribe(unit(), found.organization_id, found.lead_id, source)
    body = render_template("unsubscribe.html", token=token, done=True, preview=found.preview)
    return Response(body, mimetype="text/html", headers=NO_STORE)
