"""events: the two indexes the metrics read carry the columns those reads need

- `(execution_id)` INCLUDE `(type, bot)`: a template's per-step funnel folds each email's
  events from the index alone (it read every event's heap row);
- `(organization_id, type, occurred_at)` INCLUDE `(bot, execution_id)`: the dashboard's
  period counts (unique opens and clicks per email, machine events) from the index alone.

Each replaces the index of the same name, so writes maintain as many indexes as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLE = "sequence_email_events"
_EXECUTION = "ix_sequence_email_events_execution_id"
_ORG_TYPE_TIME = "ix_sequence_email_events_org_type_time"


def _replace(include: bool) -> None:
    op.drop_index(_EXECUTION, table_name=_TABLE)
    op.drop_index(_ORG_TYPE_TIME, table_name=_TABLE)
    op.create_index(
        _EXECUTION, _TABLE, ["execution_id"],
        postgresql_include=["type", "bot"] if include else [],
    )  # fmt: skip
    op.create_index(
        _ORG_TYPE_TIME, _TABLE, ["organization_id", "type", "occurred_at"],
        postgresql_include=["bot", "execution_id"] if include else [],
    )  # fmt: skip


def upgrade() -> None:
    _replace(include=True)


def downgrade() -> None:
    _replace(include=False)
