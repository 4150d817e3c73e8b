"""enrollments: one (organization_id, template_id) key instead of an organization key and a
template key, and one index for both

Every enrolled row paid two foreign-key checks (organization, template) and two index
writes; the composite key is one check that also proves the template is the enrollment's
organization's, and its index serves queries by organization and by template. Templates get
the unique (organization_id, id) it references, which also replaces their organization index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TEMPLATE_KEY = "fk_sequence_enrollments_template_id_sequence_templates"
_ORG_KEY = "fk_sequence_enrollments_organization_id_organizations"


def upgrade() -> None:
    op.drop_index("ix_sequence_templates_organization_id", table_name="sequence_templates")
    op.create_unique_constraint(
        "uq_sequence_templates_organization_id_id", "sequence_templates", ["organization_id", "id"]
    )
    op.drop_constraint(_ORG_KEY, "sequence_enrollments", type_="foreignkey")
    op.drop_constraint(_TEMPLATE_KEY, "sequence_enrollments", type_="foreignkey")
    op.drop_index("ix_sequence_enrollments_organization_id", table_name="sequence_enrollments")
    op.drop_index("ix_sequence_enrollments_template_id", table_name="sequence_enrollments")
    op.create_index(
        "ix_sequence_enrollments_organization_id_template_id",
        "sequence_enrollments",
        ["organization_id", "template_id"],
    )
    op.create_foreign_key(
        _TEMPLATE_KEY, "sequence_enrollments", "sequence_templates",
        ["organization_id", "template_id"], ["organization_id", "id"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_constraint(_TEMPLATE_KEY, "sequence_enrollments", type_="foreignkey")
    op.drop_index(
        "ix_sequence_enrollments_organization_id_template_id", table_name="sequence_enrollments"
    )
    op.create_index("ix_sequence_enrollments_template_id", "sequence_enrollments", ["template_id"])
    op.create_index(
        "ix_sequence_enrollments_organization_id", "sequence_enrollments", ["organization_id"]
    )
    op.create_foreign_key(
        _TEMPLATE_KEY, "sequence_enrollments", "sequence_templates", ["template_id"], ["id"],
        ondelete="RESTRICT",
    )  # fmt: skip
    op.create_foreign_key(
        _ORG_KEY, "sequence_enrollments", "organizations", ["organization_id"], ["id"],
        ondelete="CASCADE",
    )  # fmt: skip
    op.drop_constraint(
        "uq_sequence_templates_organization_id_id", "sequence_templates", type_="unique"
    )
    op.create_index(
        "ix_sequence_templates_organization_id", "sequence_templates", ["organization_id"]
    )
