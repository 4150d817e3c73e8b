"""events: no foreign keys to enrollments, executions and leads (append-only, written in bulk)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_KEYS = (
    ("fk_sequence_email_events_enrollment_id_sequence_enrollments", "enrollment_id",
     "sequence_enrollments"),
    ("fk_sequence_email_events_execution_id_sequence_step_executions", "execution_id",
     "sequence_step_executions"),
    ("fk_sequence_email_events_lead_id_leads", "lead_id", "leads"),
)  # fmt: skip


def upgrade() -> None:
    for name, _, _ in _KEYS:
        op.drop_constraint(name, "sequence_email_events", type_="foreignkey")


def downgrade() -> None:
    for name, column, table in _KEYS:
        # Rows whose target is gone would fail the restored key: detach them first.
        op.execute(
            f"UPDATE sequence_email_events SET {column} = NULL WHERE {column} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = {column})"
        )
        op.create_foreign_key(
            name, "sequence_email_events", table, [column], ["id"], ondelete="SET NULL"
        )
