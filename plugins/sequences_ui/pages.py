"""What every page of the Sequences UI shares: the Jinja environment, the database, and the
`Workspace` a route depends on (who is signed in, which organization they work in, the
form token, the navigation).

Routes stay thin: they read a request, call a service with `ws.org_id`, and render.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sequences_core.db.models import Organization
from sequences_core.db.uow import UnitOfWork
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import uow_factory
from sequences_core.services.members import organizations_for
from sequences_ui import organization_choice

HERE = Path(__file__).resolve().parent
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
    """A time in the given zone, with the zone named."""
    if moment is None:
        return "never"
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


pages.filters["local_time"] = local_time
pages.filters["percent"] = percent


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(pages.get_template(name).render(**context), status_code=status)


class NoOrganization(Exception):
    """The deployment has no organization yet: every page shows how to create one."""


@dataclass(frozen=True)
class Workspace:
    """The signed-in user and the organization they work in, for one request."""

    base: str
    path: str
    user_id: str
    user_name: str
    orgs: list[Organization]
    org: Organization | None
    csrf: str

    @property
    def org_id(self) -> uuid.UUID:
        if self.org is None:
            raise NoOrganization(self.user_name)
        return self.org.id

    @property
    def zone(self) -> str:
        return self.org.timezone if self.org else "UTC"

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page with what base.html needs (navigation, organization selector, token)."""
        from sequences_ui.routes import navigation

        return render(name, status, ws=self, base=self.base, nav=navigation(), **context)

    def uow(self) -> UnitOfWork:
        """A unit of work on the Sequences database (services take it and `org_id`)."""
        return units()()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _current_organization(
    request: Request, user_id: str, orgs: list[Organization]
) -> Organization | None:
    """The user's remembered choice if it still exists, else the first by name."""
    chosen = organization_choice.chosen_organization(
        settings().secret_key, user_id, request.cookies.get(organization_choice.COOKIE)
    )
    return next((o for o in orgs if o.id == chosen), orgs[0] if orgs else None)


def workspace(request: Request, user: GetUserDep) -> Workspace:
    user_id = user.get_id()
    with units()() as uow:
        orgs = organizations_for(uow, user.get_name())
    return Workspace(
        base=request.scope.get("root_path", ""),
        path=request.url.path,
        user_id=user_id,
        user_name=user.get_name(),
        orgs=orgs,
        org=_current_organization(request, user_id, orgs),
        csrf=organization_choice.csrf_token(settings().secret_key, user_id),
    )


WorkspaceDep = Annotated[Workspace, Depends(workspace)]


async def checked_form(request: Request, ws: WorkspaceDep) -> Workspace:
    """For every state-changing route: the per-user token from a form field `csrf` or, for
    scripts, the `X-CSRF-Token` header. A page from another site cannot know it."""
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        value = form.get("csrf")
        token = value if isinstance(value, str) else ""
    if not organization_choice.csrf_ok(settings().secret_key, ws.user_id, token):
        raise HTTPException(403, "The form expired; reload the page")
    return ws


CheckedDep = Annotated[Workspace, Depends(checked_form)]
