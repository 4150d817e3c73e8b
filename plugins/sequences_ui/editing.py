"""Who may edit sequences, by Airflow's own roles.

Reading any page needs the Plugins view (the app's dependency). Changing a template or its
steps needs edit permission on the `sequences_dispatch` DAG: whoever may change the DAG that
sends the emails may change what it sends (SimpleAuthManager: the User role and up; FAB and
other managers: PUT on that DAG). `is_authorized_custom_view` cannot be used for this:
SimpleAuthManager ignores its method, so it cannot tell editing from viewing.
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Depends, HTTPException

from sequences_ui.pages import CheckedDep, Workspace

DISPATCH_DAG = "sequences_dispatch"


def can_edit(user: GetUserDep) -> bool:
    """Whether the signed-in user may change sequences (a page shows view-only otherwise)."""
    from airflow.api_fastapi.app import get_auth_manager

    return bool(
        get_auth_manager().is_authorized_dag(
            method="PUT", details=DagDetails(id=DISPATCH_DAG), user=user
        )
    )


CanEditDep = Annotated[bool, Depends(can_edit)]


def editor(ws: CheckedDep, allowed: CanEditDep) -> Workspace:
    """For every route that changes something: the form token, and edit permission."""
    if not allowed:
        raise HTTPException(403, "Your Airflow role may view sequences but not change them")
    return ws


EditorDep = Annotated[Workspace, Depends(editor)]
