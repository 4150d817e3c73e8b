"""The Sequences UI's FastAPI app, mounted by Airflow's API server under /sequences.

Every route depends on Airflow's own auth (the UI's `_token` cookie or a bearer token, and
the Plugins view permission): a mounted app is anonymous unless it asks. Pages call the same
services as the REST API; the database is reached lazily, on the first request, so loading
the plugin (which every Airflow process does) opens nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_view
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sequences_core.db.models import Organization
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import TemplateCategory
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import uow_factory
from sequences_core.services.organizations import list_organizations
from sequences_core.services.template_overview import SORTS, template_overview
from sequences_ui import organization_choice

HERE = Path(__file__).resolve().parent
STATIC = {"sequences.css": "text/css; charset=utf-8"}  # the only files /static serves
# Framed by Airflow's own pages only; no script, style or image from anywhere but here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'self'"
)
SORT_LABELS = {
    "newest": "Newest",
    "name": "Name",
    "enrolled": "Most enrolled",
    "active": "Most active",
    "open_rate": "Open rate",
    "click_rate": "Click rate",
    "reply_rate": "Reply rate",
    "last_sent": "Last sent",
}
log = logging.getLogger(__name__)
pages = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def units() -> Callable[[], UnitOfWork]:
    """Built on the first request: the plugin module is imported by every Airflow process."""
    return uow_factory(settings())


def local_time(moment: datetime | None, zone: str) -> str:
    """A time in the organization's zone, with the zone named."""
    if moment is None:
        return "never"
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


pages.filters["local_time"] = local_time
pages.filters["percent"] = percent


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(pages.get_template(name).render(**context), status_code=status)


def _current_organization(
    request: Request, user_id: str, orgs: list[Organization]
) -> Organization | None:
    """The user's remembered choice if it still exists, else the first by name."""
    chosen = organization_choice.chosen_organization(
        settings().secret_key, user_id, request.cookies.get(organization_choice.COOKIE)
    )
    return next((o for o in orgs if o.id == chosen), orgs[0] if orgs else None)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


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

    @app.exception_handler(Exception)
    async def _failed(request: Request, error: Exception) -> HTMLResponse:
        """A page, never a stack trace; the trace goes to the API server's log."""
        log.exception("Sequences UI: %s %s failed", request.method, request.url.path)
        page = render("error.html", 500, base=request.scope.get("root_path", ""))
        page.headers["Content-Security-Policy"] = CSP  # answered outside the middleware
        return page

    @app.get("/", response_class=HTMLResponse, name="sequences")
    def sequences(
        request: Request,
        user: GetUserDep,
        q: Annotated[str, Query(max_length=200)] = "",
        category: str = "",
        sort: str = "newest",
        archived: bool = False,
    ) -> HTMLResponse:
        """The template list of the organization the user works in."""
        user_id = user.get_id()
        base = request.scope.get("root_path", "")
        category = category if category in set(TemplateCategory) else ""
        sort = sort if sort in SORTS else "newest"
        with units()() as uow:
            orgs = list_organizations(uow)
            org = _current_organization(request, user_id, orgs)
            overview = (
                template_overview(
                    uow,
                    org.id,
                    q=q.strip() or None,
                    category=category or None,
                    include_deleted=archived,
                    sort=sort,
                )
                if org
                else None
            )
            return render(
                "sequences.html",
                base=base,
                user=user.get_name(),
                orgs=orgs,
                org=org,
                overview=overview,
                filters={"q": q, "category": category, "sort": sort, "archived": archived},
                filtered=bool(q.strip() or category or archived),
                categories=[c.value for c in TemplateCategory],
                sorts=SORT_LABELS,
                csrf=organization_choice.csrf_token(settings().secret_key, user_id),
            )

    @app.post("/organization", name="choose_organization")
    def choose_organization(
        request: Request,
        user: GetUserDep,
        organization: Annotated[str, Form()],
        csrf: Annotated[str, Form()],
    ) -> RedirectResponse:
        """Remember the organization this user works in, then show its list."""
        user_id = user.get_id()
        secret = settings().secret_key
        if not organization_choice.csrf_ok(secret, user_id, csrf):
            raise HTTPException(403, "The form expired; reload the page")
        try:
            org_id = uuid.UUID(organization)
        except ValueError:
            raise HTTPException(422, "No such organization") from None
        with units()() as uow:
            if org_id not in {o.id for o in list_organizations(uow)}:
                raise HTTPException(422, "No such organization")
        base = request.scope.get("root_path", "")
        response = RedirectResponse(f"{base}/", status_code=303)
        response.set_cookie(
            organization_choice.COOKIE,
            organization_choice.cookie_value(secret, user_id, org_id),
            max_age=365 * 24 * 3600,
            path=base or "/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @app.get("/static/{name}", name="static")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404)
        return Response(
            (HERE / "static" / name).read_bytes(),
            media_type=STATIC[name],
            headers={"Cache-Control": "private, max-age=300"},
        )

    return app
