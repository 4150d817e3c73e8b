"""feedback_dead_letters: one row per (source, reference)

A feed message whose acknowledgement was lost (an SQS delete that failed, a cycle that died
between commit and delete, two cycles reading one S3 or IMAP key) comes back and fails again;
it was stored again each time. Earlier duplicates are dropped, keeping the first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM feedback_dead_letters later USING feedback_dead_letters first "
        "WHERE later.source = first.source AND later.reference = first.reference "
        "AND later.id > first.id"
    )
    op.create_unique_constraint(
        "uq_feedback_dead_letters_source_reference",
        "feedback_dead_letters",
        ["source", "reference"],
    )


def downgrade() -> None:
    op.drop_constraint(
        "uq_feedback_dead_letters_source_reference", "feedback_dead_letters", type_="unique"
    )
