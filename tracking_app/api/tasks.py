"""CRM tasks created by task steps."""

from __future__ import annotations

from sequences_core.db.models import CrmTask
from sequences_core.db.pagination import Page
from sequences_core.services import tasks as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import TaskOut, TaskPage, TaskQuery, TaskUpdate
from tracking_app.state import org, unit

TAG = "tasks"


@API.route(bp, "/tasks", "GET", tag=TAG, query=TaskQuery, response=TaskPage)
def list_tasks(query: TaskQuery) -> Page[CrmTask]:
    """Tasks, newest first, by status or assignee."""
    return service.list_tasks(
        unit(), org(), status=query.status,
        assignee=query.assignee, limit=query.limit, cursor=query.cursor,
    )  # fmt: skip


@API.route(bp, "/tasks/<task_id>", "PUT", tag=TAG, body=TaskUpdate, response=TaskOut)
def update_task(task_id: str, body: TaskUpdate) -> CrmTask:
    """Complete a task (or reopen it)."""
    return service.set_task_status(unit(), org(), task_id, body.status)
