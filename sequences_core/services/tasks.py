"""CRM tasks that task steps create for people (call, LinkedIn touch, …)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from sequences_core.clock import utcnow
from sequences_core.db.models import CrmTask
from sequences_core.db.pagination import Page, paginate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import TaskStatus


def list_tasks(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    status: str | None = None,
    assignee: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[CrmTask]:
    query = select(CrmTask).where(CrmTask.organization_id == org_id)
    if status:
        query = query.where(CrmTask.status == status)
    if assignee:
        query = query.where(CrmTask.assignee == assignee)
    return paginate(uow.session, query, CrmTask, limit, cursor)


def set_task_status(
    uow: UnitOfWork, org_id: uuid.UUID, task_id: uuid.UUID | str, status: TaskStatus
) -> CrmTask:
    task = get_owned(uow.session, CrmTask, org_id, task_id, what="task", for_update=True)
    if task.status != status:
        task.status = status.value
        task.completed_at = utcnow() if status == TaskStatus.COMPLETED else None
        if task.completed_at is not None and task.enrollment_id is not None:
            uow.session.execute(
                _WAKE_HOLDER, {"enrollment": task.enrollment_id, "step": task.step_id,
                               "now": task.completed_at},
            )  # fmt: skip
    uow.commit()
    return task


# A completed task wakes the enrollment holding at its step (the next cycle moves it on).
_WAKE_HOLDER = text("""
UPDATE sequence_enrollments e SET next_run_at = :now, updated_at = now()
FROM sequence_steps s
WHERE e.id = :enrollment AND e.status = 'active' AND s.id = :step
  AND s.template_id = e.template_id AND s.position = e.current_step
""")
