"""Writing tracking hits (opens, clicks) in batches: one INSERT over the batch as JSON.

The tracking endpoints never touch the database per hit: they hand `Hit`s to a buffer that
calls `record_hits` every few hundred milliseconds. Here each hit gets its machine verdict,
device and client; the tenant, enrollment and lead come from the execution the signed
token named (a hit for an execution that no longer exists is dropped); the address is kept
whole only for organizations that opted in (`settings.store_full_ip`), else truncated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import text

from sequences_core.db.bulk import BATCH_IDS, json_rows, recordset, uuid_array
from sequences_core.db.dispatch_sql import WAKE_BY_EXECUTIONS
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.engagement import (
    PREFETCH_WINDOW,
    classify_agent,
    network_reason,
    truncate_ip,
)

GeoLookup = Callable[[str], dict[str, Any] | None]


class Hit(NamedTuple):  # a tuple: made on every pixel request, in a fraction of a µs
    kind: str  # "open" or "click"
    execution_id: uuid.UUID
    occurred_at: datetime
    ip: str | None
    user_agent: str | None
    url: str | None = None
    link_index: int | None = None


_HIT_COLUMNS = {
    "kind": "text", "execution_id": "uuid", "occurred_at": "timestamptz", "ip_full": "text",
    "ip_short": "text", "user_agent": "text", "device": "text", "client": "text",
    "geo": "jsonb", "bot": "boolean", "reason": "text", "url": "text", "link_index": "int",
}  # fmt: skip
# The pixel's storage rules in SQL, over `o` (the organization) and `x` (the execution): shared
# with the SES event store, so SES's own opens and clicks are kept the same way.
KEEPS_FULL_IP = "coalesce((o.settings ->> 'store_full_ip')::boolean, false)"
WITHIN_PREFETCH = "coalesce({at} - x.completed_at < :prefetch, false)"
_INSERT = text(f"""
INSERT INTO sequence_email_events (organization_id, enrollment_id, execution_id, lead_id, type,
    occurred_at, url, link_index, ip, user_agent, device, client, geo, bot, reason)
SELECT x.organization_id, x.enrollment_id, s.execution_id, e.lead_id, s.kind, s.occurred_at,
    s.url, s.link_index,
    CASE WHEN r.full_ip THEN s.ip_full ELSE s.ip_short END,
    s.user_agent, s.device, s.client, s.geo,
    s.bot OR r.early,
    CASE WHEN s.bot THEN s.reason WHEN r.early THEN 'within_seconds_of_delivery' END
FROM {recordset(_HIT_COLUMNS, alias="s")}
JOIN sequence_step_executions x ON x.id = s.execution_id
JOIN sequence_enrollments e ON e.id = x.enrollment_id
JOIN organizations o ON o.id = x.organization_id
CROSS JOIN LATERAL (SELECT {KEEPS_FULL_IP} AS full_ip,
    {WITHIN_PREFETCH.format(at="s.occurred_at")} AS early) r
WHERE x.id {BATCH_IDS}
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


def visitor_fields(user_agent: str | None, ip: str | None) -> dict[str, Any]:
    """Who opened or clicked, as stored: device, client, the machine verdict from the agent and
    the address, and the address truncated (the store keeps it whole only on an org's opt-in).
    Our pixel's hits and SES's own Open/Click events both go through here."""
    agent = classify_agent(user_agent)
    reason = agent.machine_reason or network_reason(ip)
    return {
        "ip_short": truncate_ip(ip),
        "device": "bot" if reason else agent.device,
        "client": agent.client,
        "bot": reason is not None,
        "reason": reason,
    }


def _row(hit: Hit, geo: GeoLookup | None) -> dict[str, Any]:
    return {
        "kind": hit.kind,
        "execution_id": hit.execution_id,
        "occurred_at": hit.occurred_at,
        "ip_full": hit.ip,
        "user_agent": (hit.user_agent or "")[:2000] or None,
        "geo": (geo(hit.ip) or None) if geo and hit.ip else None,
        "url": hit.url,
        "link_index": hit.link_index,
        **visitor_fields(hit.user_agent, hit.ip),
    }


def record_hits(uow: UnitOfWork, hits: Sequence[Hit], geo: GeoLookup | None = None) -> int:
    """Store a batch of hits in one transaction; return how many were recorded."""
    if not hits:
        return 0
    rows = [_row(hit, geo) for hit in hits]
    params = {
        "rows": json_rows(rows),
        "ids": uuid_array({hit.execution_id for hit in hits}),
        "prefetch": PREFETCH_WINDOW,
    }
    recorded = uow.session.execute(_INSERT, params).rowcount  # type: ignore[attr-defined]
    clicked = list({hit.execution_id for hit in hits if hit.kind == "click"})
    if clicked:
        uow.session.execute(_SAME_SECOND, {"executions": clicked})
    people = [hit for hit, row in zip(hits, rows, strict=True) if not row["bot"]]
    if people:  # machines decide no condition: they wake nothing
        wake = {"executions": uuid_array({h.execution_id for h in people}),
                "at": min(h.occurred_at for h in people)}  # fmt: skip
        uow.session.execute(WAKE_BY_EXECUTIONS, wake)
    uow.commit()
    return int(recorded)
