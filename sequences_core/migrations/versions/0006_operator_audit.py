"""operator verbs: an audit log, and where the reputation guard's window starts again

Every change an operator makes by hand (keys, mailboxes, organization settings, pauses and
resumes, suppressions removed) is written to `audit_log` with who, when and why. A mailbox
or organization resumed after the reputation guard paused it counts its rates from the
resume (`reputation_since`): otherwise the next feedback cycle would pause it again on the
same bounces the operator has just looked at.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(400)),
        sa.Column("reason", sa.Text()),
        sa.Column(
            "details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name="fk_audit_log_organization_id_organizations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index(
        "ix_audit_log_organization_id_created_at", "audit_log", ["organization_id", "created_at"]
    )
    for table in ("mailboxes", "organizations"):
        op.add_column(table, sa.Column("reputation_since", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for table in ("mailboxes", "organizations"):
        op.drop_column(table, "reputation_since")
    op.drop_index("ix_audit_log_organization_id_created_at", table_name="audit_log")
    op.drop_table("audit_log")
