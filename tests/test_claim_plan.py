"""A shard's claim walks the due index in order and stops at its batch.

Each mapped `send_batch` claims on a hash shard. Written as a plain equality, the shard test
was estimated to keep 0.5% of the rows, so with thousands due PostgreSQL sorted every due
enrollment for each batch (a claim's cost grew with the whole backlog); the plan must now be
an index scan on `ix_sequence_enrollments_due` with no sort, and claim only the shard's rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from sequences_core.db.dispatch_sql import CLAIM
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.dispatch import DispatchScope
from sequences_core.services.dispatch.loop import claim
from tests.factories import template_with_steps

DUE = 20_000  # enough that sorting all of them looks cheaper than the index to the old estimate
BATCH = 500


def _seed(uow: UnitOfWork, org_id: uuid.UUID) -> None:
    template = template_with_steps(uow, org_id, steps=1)
    uow.session.execute(
        text(
            "INSERT INTO leads (organization_id, email) SELECT :org, 'p' || g || '@example.com'"
            " FROM generate_series(1, CAST(:n AS int)) g"
        ),
        {"org": org_id, "n": DUE},
    )
    uow.session.execute(
        text(
            "INSERT INTO sequence_enrollments (organization_id, lead_id, template_id, status,"
            " next_run_at) SELECT :org, id, :tpl, 'active', now() - interval '1 minute'"
            " FROM leads WHERE organization_id = :org"
        ),
        {"org": org_id, "tpl": template},
    )
    uow.commit()
    uow.session.execute(text("ANALYZE sequence_enrollments"))
    uow.commit()


@pytest.mark.parametrize("shards", [1, 8])
def test_a_shards_claim_walks_the_due_index_without_sorting(
    uow: UnitOfWork, org_id: uuid.UUID, shards: int
) -> None:
    _seed(uow, org_id)
    scope = DispatchScope(shard=(0, shards))
    filters, params = scope.sql()
    now = datetime.now(UTC)
    plan = "\n".join(
        row[0]
        for row in uow.session.execute(
            text("EXPLAIN " + CLAIM.format(filters=filters)),
            {"now": now, "limit": BATCH, "busy": "{}", **params},
        )
    )
    assert "Index Scan using ix_sequence_enrollments_due" in plan, plan
    assert "Sort" not in plan, plan

    ids = claim(uow, now, BATCH, scope, ())
    outside = uow.session.scalar(
        text(
            "SELECT count(*) FROM sequence_enrollments WHERE id = ANY(:ids)"
            " AND abs(hashtextextended(id::text, 0)) % :shards <> 0"
        ),
        {"ids": ids, "shards": shards},
    )
    assert len(ids) == BATCH and outside == 0
    uow.rollback()
