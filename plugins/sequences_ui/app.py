"""The Sequences UI's FastAPI app, mounted by Airflow's API server under /sequences.

Every route depends on Airflow's own auth (the UI's `_token` cookie or a bearer token, and
the Plugins view permission): a mounted app is anonymous unless it asks. Pages call the same
services as the REST API; the database is reached lazily, on the first request, so loading
the plugin (which every Airflow process does) opens nothing. The routes live in `routes/`,
one module per page group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from sequences_ui.pages import NoOrganization, render
from sequences_ui.routes import navigation, routers

# Framed by Airflow's own pages only; no script, style or image from anywhere but here.
# Email previews are `srcdoc` iframes sandboxed without scripts, hence frame-src 'self'.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'self'"
)
log = logging.getLogger(__name__)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)  # a route may set its own
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


TITLES = {
    400: "The request could not be read",
    401: "Sign in to Airflow first",
    403: "Not allowed",
    404: "Not found",
    405: "Not here",
    409: "That conflicts with what is there",
    422: "Some values need fixing",
}
SECRET_FIELDS = {"csrf", "secret"}  # never echoed back


def _page(request: Request, name: str, status: int, **context: object) -> HTMLResponse:
    page = render(
        name, status, base=request.scope.get("root_path", ""), nav=navigation(), **context
    )
    page.headers["Content-Security-Policy"] = CSP  # answered outside the middleware
    return page


def _field(location: tuple[object, ...]) -> str:
    """("body", "name") -> "name": the form field a user knows, not FastAPI's path."""
    return ".".join(str(part) for part in location[1:]) or str(location[0])


async def _typed(request: Request) -> list[tuple[str, str]]:
    """What the user typed, shown back so nothing is lost (form posts only)."""
    if request.method != "POST":
        return []
    try:
        form = await request.form()
    except Exception:  # a body that is not a form: nothing to show back
        return []
    return [
        (key, value[:5000])
        for key, value in form.multi_items()
        if isinstance(value, str) and value and key not in SECRET_FIELDS
    ]


def create_app() -> FastAPI:
    """The pages' app: `mount.LazyApp` builds it in the API server, on the first request."""
    app = FastAPI(
        title="Sequences UI",
        dependencies=[Depends(requires_access_view(AccessView.PLUGINS))],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.middleware("http")(_security_headers)

    @app.exception_handler(NoOrganization)
    async def _no_organization(request: Request, error: NoOrganization) -> HTMLResponse:
        return _page(request, "no_organization.html", 200, user=str(error))

    @app.exception_handler(HTTPException)
    async def _refused(request: Request, error: HTTPException) -> HTMLResponse:
        """A page that says why, inside Airflow's frame, never FastAPI's JSON."""
        title = TITLES.get(error.status_code, "The request was refused")
        detail = error.detail if isinstance(error.detail, str) else ""
        page = _page(request, "problem.html", error.status_code, title=title, detail=detail)
        for name, value in (error.headers or {}).items():
            page.headers[name] = value
        return page

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> HTMLResponse:
        """Each field with its problem, and what was typed, so nothing is lost."""
        problems = [(_field(tuple(e["loc"])), e["msg"]) for e in error.errors()]
        return _page(
            request,
            "problem.html",
            422,
            title=TITLES[422],
            problems=problems,
            typed=await _typed(request),
        )

    @app.exception_handler(Exception)
    async def _failed(request: Request, error: Exception) -> HTMLResponse:
        """A page, never a stack trace; the trace goes to the API server's log."""
        log.exception("Sequences UI: %s %s failed", request.method, request.url.path)
        return _page(request, "error.html", 500)

    for router in routers():
        app.include_router(router)
    return app
