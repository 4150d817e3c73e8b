"""organization_members: which Airflow users work in which organization

While the table is empty every Airflow user who may open the Sequences pages works in every
organization (one deployment, one trust domain); once anyone is a member, each user sees only
the organizations they belong to.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization_members",
        sa.Column(
            "organization_id",
            sa.Uuid(),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("airflow_user", sa.String(256), primary_key=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index(
        "ix_organization_members_airflow_user", "organization_members", ["airflow_user"]
    )


def downgrade() -> None:
    op.drop_table("organization_members")
