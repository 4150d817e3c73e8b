"""The dispatch path's SQL, by name: the claim, the batch's writes, the record phase's.

Batch writes go as one JSON parameter read with `jsonb_to_recordset` (`db/bulk.py`), one
statement per table, so a batch of any size is one round trip each.
"""

from __future__ import annotations

from sqlalchemy import text

from sequences_core.db.bulk import BATCH_IDS, recordset

CLAIM = """
SELECT id FROM sequence_enrollments
WHERE status = 'active' AND next_run_at <= :now AND id <> ALL(CAST(:busy AS uuid[])) {filters}
ORDER BY next_run_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""


EXECUTION_COLUMNS = {
    "id": "uuid", "organization_id": "uuid", "enrollment_id": "uuid", "step_id": "uuid",
    "step_position": "int", "step_type": "text", "attempt": "int", "status": "text",
    "idempotency_key": "text", "scheduled_at": "timestamptz", "attempted_at": "timestamptz",
    "provider": "text", "mailbox_id": "uuid", "error": "text", "lease_expires_at": "timestamptz",
    "subject": "text", "message_id_header": "text", "step_version": "int",
    "completed_at": "timestamptz", "detail": "jsonb",
}  # fmt: skip
INSERT_EXECUTIONS = text(
    f"INSERT INTO sequence_step_executions ({', '.join(EXECUTION_COLUMNS)})"
    f" SELECT {', '.join(EXECUTION_COLUMNS)} FROM {recordset(EXECUTION_COLUMNS)}"
)
DECIDED_COLUMNS = {
    "id": "uuid", "status": "text", "current_step": "int", "next_run_at": "timestamptz",
    "last_step_at": "timestamptz", "paused_reason": "text", "stopped_reason": "text",
    "completed_at": "timestamptz", "awaiting_engagement": "bool",
}  # fmt: skip
DECIDED = text(f"""
UPDATE sequence_enrollments e SET status = v.status, current_step = v.current_step,
    next_run_at = v.next_run_at, last_step_at = v.last_step_at, paused_reason = v.paused_reason,
    stopped_reason = v.stopped_reason, completed_at = v.completed_at,
    awaiting_engagement = v.awaiting_engagement, updated_at = now()
FROM {recordset(DECIDED_COLUMNS)}
WHERE e.id {BATCH_IDS} AND e.id = v.id
""")


# The record phase writes each batch as one statement per table over one JSON parameter:
# one round trip instead of one per email.
ADVANCE_COLUMNS = {
    "id": "uuid", "position": "int", "current_step": "int", "status": "text",
    "next_run_at": "timestamptz", "completed_at": "timestamptz", "message_id": "text",
    "subject": "text",
}  # fmt: skip
ADVANCE = text(f"""
UPDATE sequence_enrollments e SET current_step = v.current_step, status = v.status,
    next_run_at = v.next_run_at, completed_at = v.completed_at, last_step_at = :sent_at,
    thread_message_id = coalesce(e.thread_message_id, v.message_id),
    thread_subject = coalesce(e.thread_subject, v.subject), updated_at = now()
FROM {recordset(ADVANCE_COLUMNS)}
WHERE e.id {BATCH_IDS} AND e.id = v.id AND e.current_step = v.position
    AND e.status = 'active'
""")
FINISH_COLUMNS = {
    "id": "uuid", "status": "text", "error": "text", "provider_message_id": "text",
    "retry_count": "int",
}  # fmt: skip
FINISH_EXECUTIONS = text(f"""
UPDATE sequence_step_executions x SET status = v.status, completed_at = :now, error = v.error,
    provider_message_id = v.provider_message_id,
    retry_count = coalesce(v.retry_count, x.retry_count)
FROM {recordset(FINISH_COLUMNS)}
WHERE x.id {BATCH_IDS} AND x.id = v.id
""")
SENT_EVENTS = text(f"""
INSERT INTO sequence_email_events
    (organization_id, enrollment_id, execution_id, lead_id, type, occurred_at, dedupe_key)
SELECT v.org, v.enrollment, v.id, v.lead, 'sent', :now, 'sent:' || v.id
FROM {recordset({"id": "uuid", "org": "uuid", "enrollment": "uuid", "lead": "uuid"})}
ON CONFLICT (dedupe_key) DO NOTHING
""")


PAUSE_UNKNOWN = text("""
UPDATE sequence_enrollments SET status = 'paused', paused_reason = 'delivery_unknown',
    next_run_at = NULL, updated_at = now() WHERE id = :id AND status = 'active'
""")
FAIL = text("""
UPDATE sequence_enrollments SET status = 'failed', stopped_reason = :error, next_run_at = NULL,
    updated_at = now() WHERE id = :id AND status = 'active'
""")
RETRY_LATER = text("""
UPDATE sequence_enrollments SET next_run_at = :next_run_at, updated_at = now()
WHERE id = :id AND status = 'active'
""")


DUE_BY_SHARD = text("""
SELECT abs(hashtextextended(id::text, 0)) % :shards AS shard, count(*)
FROM sequence_enrollments WHERE status = 'active' AND next_run_at <= :now
GROUP BY 1 ORDER BY 1
""")


# An open, click or reply for an enrollment parked at a condition makes it due from the
# event's time: the condition is decided at the next cycle instead of when its window closes.
WAKE_BY_EXECUTIONS = text("""
UPDATE sequence_enrollments e SET next_run_at = LEAST(e.next_run_at, :at), updated_at = now()
WHERE e.id IN (SELECT x.enrollment_id FROM sequence_step_executions x
               WHERE x.id = ANY(CAST(:executions AS uuid[])))
  AND e.awaiting_engagement AND e.status = 'active'
""")
WAKE_BY_ENROLLMENTS = text("""
UPDATE sequence_enrollments e SET next_run_at = LEAST(e.next_run_at, :at), updated_at = now()
WHERE e.id = ANY(CAST(:enrollments AS uuid[])) AND e.awaiting_engagement AND e.status = 'active'
""")

# Webhook attempts: settled with what the receiver answered, counted from the first attempt,
# and an enrollment paused when its step gives up.
FINISH_WEBHOOKS = text(f"""
UPDATE sequence_step_executions x SET status = v.status, completed_at = :now, error = v.error,
    detail = v.detail
FROM {recordset({"id": "uuid", "status": "text", "error": "text", "detail": "jsonb"})}
WHERE x.id {BATCH_IDS} AND x.id = v.id
""")
FIRST_ATTEMPT = text("""
SELECT min(attempted_at) FROM sequence_step_executions
WHERE enrollment_id = :enrollment AND step_id = :step
""")
PAUSE = text("""
UPDATE sequence_enrollments SET status = 'paused', paused_reason = :reason, next_run_at = NULL,
    updated_at = now() WHERE id = :id AND status = 'active'
""")
