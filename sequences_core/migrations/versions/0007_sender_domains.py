"""sender_domains: a sending domain belongs to one organization

Any organization could add a mailbox at another's address and send as it. A domain now
belongs to the first organization that added a mailbox there; the others are refused. The
domain is the primary key, so two organizations claiming one domain at once get one winner.

Existing mailboxes claim their domains: where organizations already share one, the oldest
mailbox's organization owns it and the others keep the mailboxes they have, but add no more.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The domain as the service takes it: after the last '@', lowercased.
_CLAIM_EXISTING = """
INSERT INTO sender_domains (domain, organization_id, created_at)
SELECT DISTINCT ON (domain) domain, organization_id, created_at
FROM (
    SELECT lower(substring(from_email FROM '[^@]*$')) AS domain, organization_id, created_at, id
    FROM mailboxes
) AS m
ORDER BY domain, created_at, id
"""


def upgrade() -> None:
    op.create_table(
        "sender_domains",
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name="fk_sender_domains_organization_id_organizations",
        ),
        sa.PrimaryKeyConstraint("domain", name="pk_sender_domains"),
    )
    op.create_index("ix_sender_domains_organization_id", "sender_domains", ["organization_id"])
    op.execute(_CLAIM_EXISTING)


def downgrade() -> None:
    op.drop_index("ix_sender_domains_organization_id", table_name="sender_domains")
    op.drop_table("sender_domains")
