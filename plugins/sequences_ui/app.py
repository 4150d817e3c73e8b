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
from fastapi.responses import HTMLResponse

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
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _page(request: Request, name: str, status: int) -> HTMLResponse:
    page = render(name, status, base=request.scope.get("root_path", ""), nav=navigation())
    page.headers["Content-Security-Policy"] = CSP  # answered outside the middleware
    return page


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
        return _page(request, "no_organization.html", 200)

    @app.exception_handler(Exception)
    async def _failed(request: Request, error: Exception) -> HTMLResponse:
        """A page, never a stack trace; the trace goes to the API server's log."""
        log.exception("Sequences UI: %s %s failed", request.method, request.url.path)
        return _page(request, "error.html", 500)

    for router in routers():
        app.include_router(router)
    return app
