"""Choosing the organization a user works in (remembered per user in a signed cookie)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from sequences_ui import organization_choice
from sequences_ui.pages import CheckedDep, settings

router = APIRouter()


@router.post("/organization", name="choose_organization")
def choose_organization(
    request: Request,
    ws: CheckedDep,
    organization: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    """Remember the organization this user works in, then show the page they were on."""
    try:
        org_id = uuid.UUID(organization)
    except ValueError:
        raise HTTPException(422, "No such organization") from None
    if org_id not in {o.id for o in ws.orgs}:
        raise HTTPException(422, "No such organization")
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(ws.url(target), status_code=303)
    response.set_cookie(
        organization_choice.COOKIE,
        organization_choice.cookie_value(settings().secret_key, ws.user_id, org_id),
        max_age=365 * 24 * 3600,
        path=ws.base or "/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response
