"""Writing tracking hits (opens, clicks) in batches: COPY into a staging table, one INSERT.

The tracking endpoints never touch the database per hit: they hand `Hit`s to a buffer that
calls `record_hits` every few hundred milliseconds. Here each hit gets its machine verdict,
device and client; the tenant, enrollment and lead come from the execution the signed
token named (a hit for an execution that no longer exists is dropped); the address is kept
whole only for organizations that opted in (`settings.store_full_ip`), else truncated.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from sequences_core.db.uow import UnitOfWork
from sequences_core.engagement import PREFETCH_WINDOW, classify_agent, network_reason, truncate_ip
from sequences_core.services.leads import raw_connection

GeoLookup = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Hit:
    kind: str  # "open" or "click"
    execution_id: uuid.UUID
    occurred_at: datetime
    ip: str | None
    user_agent: str | None
    url: str | None = None
    link_index: int | None = None


_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS _tracking_hits (
    kind text, execution_id uuid, occurred_at timestamptz, ip_full text, ip_short text,
    user_agent text, device text, client text, geo jsonb, bot boolean, reason text,
    url text, link_index int
) ON COMMIT DELETE ROWS
"""
_COLUMNS = (
    "kind, execution_id, occurred_at, ip_full, ip_short, user_agent, device, client, geo, "
    "bot, reason, url, link_index"
)
_INSERT = text("""
INSERT INTO sequence_email_events (organization_id, enrollment_id, execution_id, lead_id, type,
    occurred_at, url, link_index, ip, user_agent, device, client, geo, bot, reason)
SELECT x.organization_id, x.enrollment_id, s.execution_id, e.lead_id, s.kind, s.occurred_at,
    s.url, s.link_index,
    CASE WHEN coalesce((o.settings ->> 'store_full_ip')::boolean, false)
         THEN s.ip_full ELSE s.ip_short END,
    s.user_agent, s.device, s.client, s.geo,
    s.bot OR coalesce(s.occurred_at - x.completed_at < :prefetch, false),
    CASE WHEN s.bot THEN s.reason
         WHEN s.occurred_at - x.completed_at < :prefetch THEN 'within_seconds_of_delivery' END
FROM _tracking_hits s
JOIN sequence_step_executions x ON x.id = s.execution_id
JOIN sequence_enrollments e ON e.id = x.enrollment_id
JOIN organizations o ON o.id = x.organization_id
""")
# Two different links of one email clicked within a second: a scanner walking the message.
_SAME_SECOND = text("""
UPDATE sequence_email_events c SET bot = true, reason = 'links_clicked_in_the_same_second'
WHERE c.execution_id = ANY(CAST(:executions AS uuid[])) AND c.type = 'click' AND NOT c.bot
  AND EXISTS (
    SELECT 1 FROM sequence_email_events o
    WHERE o.execution_id = c.execution_id AND o.type = 'click' AND o.id <> c.id
      AND o.link_index IS DISTINCT FROM c.link_index
      AND abs(extract(epoch FROM o.occurred_at - c.occurred_at)) < 1)
""")


def _row(hit: Hit, geo: GeoLookup | None) -> tuple[Any, ...]:
    agent = classify_agent(hit.user_agent)
    reason = agent.machine_reason or network_reason(hit.ip)
    place = geo(hit.ip) if geo and hit.ip else None
    return (
        hit.kind,
        hit.execution_id,
        hit.occurred_at,
        hit.ip,
        truncate_ip(hit.ip),
        (hit.user_agent or "")[:2000] or None,
        "bot" if reason else agent.device,
        agent.client,
        json.dumps(place) if place else None,
        reason is not None,
        reason,
        hit.url,
        hit.link_index,
    )


def record_hits(uow: UnitOfWork, hits: Sequence[Hit], geo: GeoLookup | None = None) -> int:
    """Store a batch of hits in one transaction; return how many were recorded."""
    if not hits:
        return 0
    conn = raw_connection(uow)
    with conn.cursor() as cur:
        cur.execute(_STAGING)
        with cur.copy(f"COPY _tracking_hits ({_COLUMNS}) FROM STDIN") as copy:
            for hit in hits:
                copy.write_row(_row(hit, geo))
    recorded = uow.session.execute(_INSERT, {"prefetch": PREFETCH_WINDOW}).rowcount  # type: ignore[attr-defined]
    clicked = list({hit.execution_id for hit in hits if hit.kind == "click"})
    if clicked:
        uow.session.execute(_SAME_SECOND, {"executions": clicked})
    uow.commit()
    return int(recorded)
