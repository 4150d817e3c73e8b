"""Enrollments deferred by a template's send window follow the window when it changes.

The dispatcher defers an email due outside the window to the window's next opening (plus
jitter) and stores only that instant (`rules/decide`, `deferred_window`). After the
template's window, days, weekends, holidays or zone change, such an enrollment would still
wait for the old opening: days, for a narrow window. An enrollment deferred so was due when
it was deferred, so it may go at the new rules' next allowed instant from now without any
wait being shortened. It is recognised by what the deferral wrote at `updated_at`: a moment
the old rules did not allow, and the old rules' next opening after it, plus up to their
jitter. Everything else keeps its time: a wait not yet over (the dispatcher defers it under
the new rules when it ends), a later start, an out-of-office hold, a spent daily limit.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import load_only

from sequences_core.db.bulk import BATCH_IDS, batch_params, recordset
from sequences_core.db.models import Lead, Organization, SequenceStep, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import StepType
from sequences_core.rules.schedule import SendRules, is_allowed, next_allowed_instant, with_jitter
from sequences_core.rules.sending import send_rules
from sequences_core.schemas import TemplateSettings

_DEFERRED = text("""
SELECT e.id, e.next_run_at, e.updated_at, l.id AS lead_id, l.timezone, l.country
FROM sequence_enrollments e
JOIN leads l ON l.id = e.lead_id AND l.organization_id = e.organization_id
WHERE e.organization_id = :org AND e.template_id = :template AND e.status = 'active'
  AND e.next_run_at > :now AND e.current_step = ANY(CAST(:positions AS int[]))
""")
_MOVE_COLUMNS = {"id": "uuid", "was": "timestamptz", "next_run_at": "timestamptz"}
_MOVE = text(f"""
UPDATE sequence_enrollments e SET next_run_at = v.next_run_at, updated_at = :now
FROM {recordset(_MOVE_COLUMNS)}
WHERE e.id {BATCH_IDS} AND e.id = v.id AND e.organization_id = :org AND e.status = 'active'
  AND e.next_run_at = v.was
""")
_SLACK = timedelta(seconds=1)  # the jitter's instant, stored to the microsecond, read back


def rules_changed(old: TemplateSettings, new: TemplateSettings) -> bool:
    """Whether the change moves when a lead may be mailed."""
    fields = ("send_window", "skip_weekends", "holidays", "timezone")
    return any(getattr(old, name) != getattr(new, name) for name in fields)


def follow_new_rules(
    uow: UnitOfWork,
    template: SequenceTemplate,
    old: TemplateSettings,
    new: TemplateSettings,
    now: datetime,
) -> int:
    """Move the template's window-deferred enrollments to the new rules (in the caller's
    transaction); how many moved. A dispatcher that changed one meanwhile wins."""
    rows = uow.session.execute(_DEFERRED, _params(uow, template, now)).all()
    if not rows:
        return 0
    places = _places(uow, template.organization_id, rows)
    org = uow.session.get(Organization, template.organization_id)
    assert org is not None
    rng, moves = random.Random(), []  # noqa: S311 (spreads sends; nothing secret)
    for row in rows:
        place = places[(row.timezone, row.country)]
        was = send_rules(old, place, org)
        if not _deferred_by_window(row.next_run_at, row.updated_at, was, old.jitter_minutes):
            continue
        rules = send_rules(new, place, org)
        moved = now if is_allowed(now, rules) else next_allowed_instant(now, rules)
        moved = with_jitter(moved, rules, new.jitter_minutes, rng) if moved > now else moved
        if moved != row.next_run_at:
            moves.append({"id": row.id, "was": row.next_run_at, "next_run_at": moved})
    if moves:
        uow.session.execute(
            _MOVE, {**batch_params(moves), "org": template.organization_id, "now": now}
        )
    return len(moves)


def _params(uow: UnitOfWork, template: SequenceTemplate, now: datetime) -> dict[str, Any]:
    """Only enrollments standing at an email step can have been deferred by the window."""
    positions = uow.session.scalars(
        select(SequenceStep.position).where(
            SequenceStep.template_id == template.id, SequenceStep.type == StepType.EMAIL.value
        )
    ).all()
    return {
        "org": template.organization_id,
        "template": template.id,
        "now": now,
        "positions": "{" + ",".join(map(str, positions)) + "}",
    }


def _places(
    uow: UnitOfWork, org_id: uuid.UUID, rows: Any
) -> dict[tuple[str | None, str | None], Lead]:
    """One lead for each (zone, country) among the rows: send rules read nothing else of a
    lead, so thousands of enrollments need only the few places their leads are in."""
    first: dict[tuple[str | None, str | None], uuid.UUID] = {}
    for row in rows:
        first.setdefault((row.timezone, row.country), row.lead_id)
    leads = uow.session.scalars(
        select(Lead)
        .options(load_only(Lead.id, Lead.timezone, Lead.country))
        .where(Lead.organization_id == org_id, Lead.id.in_(list(first.values())))
    )
    by_id = {lead.id: lead for lead in leads}
    return {place: by_id[lead_id] for place, lead_id in first.items()}


def _deferred_by_window(
    next_run_at: datetime, updated_at: datetime, rules: SendRules, jitter_minutes: int
) -> bool:
    """Whether the last write was the window's deferral: made when `rules` did not allow a
    send, to their next opening, jitter at most after it."""
    if is_allowed(updated_at, rules):
        return False
    opening = next_allowed_instant(updated_at, rules)
    return opening <= next_run_at <= opening + timedelta(minutes=jitter_minutes) + _SLACK
