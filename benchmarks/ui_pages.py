"""The dashboard and a template's metrics page at real volumes: 100,000 enrollments and about
1,000,000 events in one organization, rendered through the UI app (the same request a browser
makes, minus Airflow's sign-in), each the median of a few renders after one warm-up.

Target (issue 21): each page under 1 s.
"""

from __future__ import annotations

import importlib
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.harness import report, scratch_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template

ENROLLMENTS = 100_000
TEMPLATES = 5  # the first holds half the enrollments: the page measured is the biggest
RENDERS = 5
TARGET_S = 1.0

# Seeded by generate_series in a few statements: leads, enrollments (half in the first
# template), an execution per email step and enrollment that got that far, a condition's
# decision between the emails, and each email's events (sent, delivered, opens by people and by
# machines, clicks, replies, bounces, complaints, unsubscribes) over the last 60 days.
SEED = [
    """SELECT setseed(0.21)""",
    """INSERT INTO leads (organization_id, email, first_name, timezone)
       SELECT :org, 'lead' || i || '@bench' || (i % 97) || '.example', 'Lead' || i,
              (ARRAY['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + i % 3]
       FROM generate_series(1, :n) i""",
    """INSERT INTO sequence_enrollments (organization_id, lead_id, template_id, status,
           current_step, paused_reason, enrolled_at, completed_at)
       SELECT :org, l.id,
           t.ids[CASE WHEN r.i % 2 = 0 THEN 1 ELSE 1 + r.i % array_length(t.ids, 1) END],
           s.status, 0,
           CASE WHEN s.status = 'paused' THEN
               CASE WHEN r.i % 3 = 0 THEN 'missing_variable: company' ELSE 'reply' END END,
           now() - (r.i % 60) * interval '1 day',
           CASE WHEN s.status = 'completed' THEN now() - (r.i % 20) * interval '1 day' END
       FROM (SELECT id, row_number() OVER () AS i FROM leads WHERE organization_id = :org) l
       CROSS JOIN LATERAL (SELECT l.i) r(i)
       CROSS JOIN (SELECT CAST(:templates AS uuid[]) AS ids) t
       CROSS JOIN LATERAL (SELECT (ARRAY['active', 'active', 'active', 'active', 'active',
           'paused', 'completed', 'completed', 'stopped', 'bounced'])[1 + r.i % 10] AS status) s""",
    """INSERT INTO sequence_step_executions (organization_id, enrollment_id, step_id,
           step_position, step_type, status, idempotency_key, attempt, completed_at, detail)
       SELECT :org, e.id, st.id, st.position, st.type,
           CASE st.type WHEN 'email' THEN 'sent' ELSE 'completed' END,
           e.id || ':' || st.position, 1,
           e.enrolled_at + (st.position) * interval '1 day',
           CASE WHEN st.type = 'condition' THEN jsonb_build_object('branch',
               CASE WHEN random() < 0.3 THEN 'if_true' ELSE 'if_false' END) END
       FROM sequence_enrollments e
       JOIN sequence_steps st ON st.template_id = e.template_id AND st.type <> 'wait'
       WHERE e.organization_id = :org
         AND st.position <= 3 + abs(hashtext(e.id::text)) % 2""",
    """CREATE TEMP TABLE bench_fates AS
       SELECT x.id, x.enrollment_id, e.lead_id, x.completed_at AS at, random() AS r
       FROM sequence_step_executions x JOIN sequence_enrollments e ON e.id = x.enrollment_id
       WHERE x.organization_id = :org AND x.step_type = 'email'""",
    """INSERT INTO sequence_email_events (organization_id, enrollment_id, execution_id, lead_id,
           type, occurred_at, bot, classification)
       SELECT :org, f.enrollment_id, f.id, f.lead_id, k.type,
           f.at + k.after * interval '1 minute', k.bot, k.classification
       FROM bench_fates f
       CROSS JOIN LATERAL (VALUES
           ('sent', 0, false, NULL, true),
           ('delivered', 1, false, NULL, f.r < 0.97),
           ('open', 30, true, NULL, f.r < 0.67),
           ('open', 60, false, NULL, f.r < 0.40),
           ('open', 600, false, NULL, f.r < 0.25),
           ('open', 1440, false, NULL, f.r < 0.15),
           ('open', 2880, false, NULL, f.r < 0.10),
           ('click', 62, false, NULL, f.r < 0.09),
           ('click', 31, true, NULL, f.r < 0.30),
           ('reply', 120, false, 'reply', f.r < 0.05),
           ('bounce', 2, false, 'bounce_hard', f.r > 0.985),
           ('complaint', 300, false, NULL, f.r > 0.9995),
           ('unsubscribe', 400, false, NULL, f.r BETWEEN 0.5 AND 0.505)
       ) AS k(type, after, bot, classification, happens)
       WHERE k.happens""",
    """DROP TABLE bench_fates""",
]


def seed(engine: Engine) -> tuple[uuid.UUID, uuid.UUID, dict[str, int]]:
    """The organization, its biggest template, and how many rows each table got."""
    with UnitOfWork(engine) as uow:
        org = create_organization(uow, "Bench Outbound", timezone="Europe/Berlin").organization
        templates = [_template(uow, org.id, f"Bench sequence {i + 1}") for i in range(TEMPLATES)]
        params = {"org": org.id, "n": ENROLLMENTS, "templates": templates}
        for statement in SEED:
            uow.session.execute(text(statement), params)
        uow.commit()
        counts = {
            table: int(uow.session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in ("sequence_enrollments", "sequence_step_executions",
                          "sequence_email_events")
        }  # fmt: skip
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return org.id, templates[0], counts


def _template(uow: UnitOfWork, org_id: uuid.UUID, name: str) -> uuid.UUID:
    """Email, wait, condition (opened?), email, email."""
    template = create_template(uow, org_id, TemplateCreate(name=name, category="cold_outreach"))
    email = {"html": "<p>Hi {{ first_name }}</p>"}
    add_step(uow, org_id, template.id, "email", {"subject": "Quick question", **email})
    add_step(uow, org_id, template.id, "wait", {"days": 2})
    add_step(uow, org_id, template.id, "condition", {"rules": {"all": [{"event": "opened"}]}})
    add_step(uow, org_id, template.id, "email", {"subject": "Following up", **email})
    add_step(uow, org_id, template.id, "email", {"subject": "Last note", **email})
    return template.id


@contextmanager
def ui_client(engine: Engine) -> Iterator[Any]:
    """The plugin's app as Airflow mounts it, signed in as one admin, on this database."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    from tests import ui_support  # puts plugins/ on the path, as Airflow does

    pages = importlib.import_module("sequences_ui.pages")

    pages.units = lambda: lambda: UnitOfWork(engine)  # type: ignore[method-assign]
    root = ui_support.mounted_app()
    [entry] = ui_support.plugin_class().fastapi_apps
    app = entry["app"].app
    app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(
        username="bench", role="admin"
    )
    [access] = app.router.dependencies
    app.dependency_overrides[access.dependency] = lambda: None
    try:
        yield TestClient(root)
    finally:
        app.dependency_overrides.clear()


def timed(fetch: Callable[[], Any]) -> tuple[float, list[float]]:
    """Median seconds of RENDERS calls after one warm-up, and every run."""
    fetch()
    runs = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        fetch()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def main() -> None:
    with scratch_engine("sequences_bench_ui_pages") as engine:
        start = time.perf_counter()
        _org, template_id, counts = seed(engine)
        seeded = time.perf_counter() - start
        rows: list[dict[str, object]] = []
        with ui_client(engine) as client:
            for what, path in (
                ("dashboard page", "/sequences/dashboard"),
                ("template metrics page", f"/sequences/metrics/{template_id}"),
            ):

                def fetch(path: str = path) -> None:
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.status_code)

                median, runs = timed(fetch)
                rows.append(
                    {
                        "what": what,
                        "enrollments": counts["sequence_enrollments"],
                        "events": counts["sequence_email_events"],
                        "median_ms": median * 1000,
                        "max_ms": max(runs) * 1000,
                        "target_ms": TARGET_S * 1000,
                        "seed_s": seeded,
                        "load_1m": os.getloadavg()[0],  # the host's: renders share its CPUs
                    }
                )
    report("ui_pages", rows)


if __name__ == "__main__":
    main()
