"""step logic: condition and webhook executions, the step version an execution ran, and
enrollments waiting at a condition for the lead to act

- executions get `completed` (a condition decided, a webhook answered 2xx: a step done that
  sent no email, so nothing that counts sent emails counts it), `detail` (which rule and
  branch, which events; a webhook's attempts and answer) and `step_version`;
- `sequence_enrollments.awaiting_engagement` marks an enrollment parked at a condition whose
  window is still open, so an open, click or reply for it wakes it at once (one index-free
  flag checked by primary key where those events are written).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHECK = "ck_sequence_step_executions_status_allowed"
_BEFORE = "'pending', 'sending', 'sent', 'failed', 'skipped', 'unknown', 'cancelled'"


def upgrade() -> None:
    op.drop_constraint(op.f(_CHECK), "sequence_step_executions", type_="check")
    op.create_check_constraint(
        op.f(_CHECK), "sequence_step_executions", f"status IN ({_BEFORE}, 'completed')"
    )
    op.add_column("sequence_step_executions", sa.Column("detail", postgresql.JSONB()))
    op.add_column("sequence_step_executions", sa.Column("step_version", sa.Integer()))
    op.add_column(
        "sequence_enrollments",
        sa.Column(
            "awaiting_engagement", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("sequence_enrollments", "awaiting_engagement")
    op.drop_column("sequence_step_executions", "step_version")
    op.drop_column("sequence_step_executions", "detail")
    op.execute("UPDATE sequence_step_executions SET status = 'skipped' WHERE status = 'completed'")
    op.drop_constraint(op.f(_CHECK), "sequence_step_executions", type_="check")
    op.create_check_constraint(op.f(_CHECK), "sequence_step_executions", f"status IN ({_BEFORE})")
