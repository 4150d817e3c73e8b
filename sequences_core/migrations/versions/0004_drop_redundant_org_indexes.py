"""drop organization_id indexes that a wider index covers or no query uses

leads and suppressions: their unique (organization_id, lower(email)) index leads with the
organization; events: (organization_id, type, occurred_at) does; step executions are only
ever read by id, enrollment, mailbox or message id. Each index costs a write on the
hot paths (import, dispatch, tracking, ingest).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("leads", "suppressions", "sequence_email_events", "sequence_step_executions")


def upgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"ix_{table}_organization_id", table_name=table)


def downgrade() -> None:
    for table in _TABLES:
        op.create_index(f"ix_{table}_organization_id", table, ["organization_id"])
