"""The metrics' and the dashboard's SQL, by name.

Every statement is scoped by `:org`. Machine opens and clicks (`bot`) are counted apart and in
no rate; a person's click implies an open, so an email counts as opened on a human open *or*
click. Funnel stages count emails (executions), not events: two opens of one email are one
opened email.
"""

from __future__ import annotations

from sqlalchemy import text

# --- the organization's metrics (`metrics()`), per template and overall ---------------------

# Lead-level events (a meeting, an opt-out) count for every template the lead is enrolled in,
# and once overall: counts are DISTINCT over event ids, the overall row is its own grouping set.
# An event joins its enrollment, or (lead-level, no enrollment) every enrollment of its lead:
# two joins, each on one key, where one join on either key compared every pair.
_PERIOD = """
  AND (CAST(:since AS timestamptz) IS NULL OR v.occurred_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR v.occurred_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR e.template_id = ANY(CAST(:templates AS uuid[])))"""
EVENTS = text(f"""
WITH hits AS (
    SELECT e.template_id, v.id, v.type, v.bot, v.execution_id
    FROM sequence_email_events v
    JOIN sequence_enrollments e ON e.id = v.enrollment_id AND e.organization_id = :org
    WHERE v.organization_id = :org {_PERIOD}
    UNION ALL
    SELECT e.template_id, v.id, v.type, v.bot, v.execution_id
    FROM sequence_email_events v
    JOIN sequence_enrollments e ON e.lead_id = v.lead_id AND e.organization_id = :org
    WHERE v.organization_id = :org AND v.enrollment_id IS NULL {_PERIOD}
)
SELECT GROUPING(template_id) = 1, template_id,
    count(DISTINCT id) FILTER (WHERE type = 'sent'),
    count(DISTINCT id) FILTER (WHERE type = 'delivered'),
    count(DISTINCT id) FILTER (WHERE type = 'open' AND NOT bot),
    count(DISTINCT execution_id) FILTER (WHERE type IN ('open', 'click') AND NOT bot),
    count(DISTINCT id) FILTER (WHERE type = 'click' AND NOT bot),
    count(DISTINCT execution_id) FILTER (WHERE type = 'click' AND NOT bot),
    count(DISTINCT id) FILTER (WHERE type = 'reply'),
    count(DISTINCT id) FILTER (WHERE type = 'bounce'),
    count(DISTINCT id) FILTER (WHERE type = 'complaint'),
    count(DISTINCT id) FILTER (WHERE type = 'meeting_booked'),
    count(DISTINCT id) FILTER (WHERE type IN ('open', 'click') AND bot)
FROM hits
GROUP BY GROUPING SETS ((template_id), ())
""")

# Enrollments per template and overall, by status, enrolled in the period.
ENROLLMENTS = text("""
SELECT GROUPING(template_id) = 1, template_id, count(*),
    count(*) FILTER (WHERE status = 'active'),
    count(*) FILTER (WHERE status = 'paused'),
    count(*) FILTER (WHERE status = 'completed'),
    count(*) FILTER (WHERE status = 'unsubscribed')
FROM sequence_enrollments
WHERE organization_id = :org
  AND (CAST(:since AS timestamptz) IS NULL OR enrolled_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR enrolled_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR template_id = ANY(CAST(:templates AS uuid[])))
GROUP BY GROUPING SETS ((template_id), ())
""")

# --- one template's steps (`template_metrics()`) and the dashboard ------------------------

# Per email step of one template: each email's events folded to flags first (one row per
# execution), then summed per step, so each stage is a count of emails.
STEP_FUNNEL = text("""
WITH emails AS (
    SELECT x.step_id, x.step_position,
        bool_or(v.type = 'sent') AS sent,
        bool_or(v.type = 'delivered') AS delivered,
        bool_or(v.type IN ('open', 'click') AND NOT v.bot) AS opened,
        bool_or(v.type = 'click' AND NOT v.bot) AS clicked,
        bool_or(v.type = 'reply') AS replied,
        bool_or(v.type = 'bounce') AS bounced,
        bool_or(v.type = 'complaint') AS complained,
        bool_or(v.type = 'unsubscribe') AS unsubscribed,
        count(*) FILTER (WHERE v.type = 'open' AND v.bot) AS machine_opens,
        count(*) FILTER (WHERE v.type = 'click' AND v.bot) AS machine_clicks,
        count(*) FILTER (WHERE v.type = 'open' AND NOT v.bot) AS open_events,
        count(*) FILTER (WHERE v.type = 'click' AND NOT v.bot) AS click_events
    FROM sequence_enrollments e
    JOIN sequence_step_executions x ON x.enrollment_id = e.id AND x.organization_id = :org
        AND x.step_type = 'email'
    JOIN sequence_email_events v ON v.execution_id = x.id
    WHERE e.organization_id = :org AND e.template_id = :template
    GROUP BY x.id, x.step_id, x.step_position
)
SELECT step_id, max(step_position),
    count(*) FILTER (WHERE sent), count(*) FILTER (WHERE delivered),
    count(*) FILTER (WHERE opened), count(*) FILTER (WHERE clicked),
    count(*) FILTER (WHERE replied), count(*) FILTER (WHERE bounced),
    count(*) FILTER (WHERE complained), count(*) FILTER (WHERE unsubscribed),
    sum(machine_opens), sum(machine_clicks), sum(open_events), sum(click_events)
FROM emails
GROUP BY step_id
""")

# Per step of one template, from the executions the engine recorded: how many ran, how many
# failed (or have an unknown outcome), and for a condition which branch each decision took.
STEP_EXECUTIONS = text("""
SELECT x.step_id, max(x.step_position), min(x.step_type),
    count(*) FILTER (WHERE x.status IN ('sent', 'completed')),
    count(*) FILTER (WHERE x.status IN ('failed', 'unknown')),
    count(*) FILTER (WHERE x.step_type = 'condition' AND x.status = 'completed'
                     AND x.detail ->> 'branch' = 'if_true'),
    count(*) FILTER (WHERE x.step_type = 'condition' AND x.status = 'completed'
                     AND x.detail ->> 'branch' = 'if_false')
FROM sequence_enrollments e
JOIN sequence_step_executions x ON x.enrollment_id = e.id AND x.organization_id = :org
WHERE e.organization_id = :org AND e.template_id = :template
GROUP BY x.step_id
""")

# Meetings booked by a template's leads: on one of its enrollments, or on the lead (counted for
# every template the lead is in, as the organization's metrics do).
TEMPLATE_MEETINGS = text("""
SELECT count(*) FROM sequence_email_events v
WHERE v.organization_id = :org AND v.type = 'meeting_booked'
  AND (v.enrollment_id IN (SELECT id FROM sequence_enrollments
                           WHERE organization_id = :org AND template_id = :template)
       OR (v.enrollment_id IS NULL AND v.lead_id IN (
           SELECT lead_id FROM sequence_enrollments
           WHERE organization_id = :org AND template_id = :template)))
""")

TEMPLATE_STEPS = text("""
SELECT id, position, type, config ->> 'subject' FROM sequence_steps
WHERE organization_id = :org AND template_id = :template
ORDER BY position
""")

# The dashboard's cards over a period: emails sent, and the period's engagement per email.
ORG_ACTIVITY = text("""
SELECT count(*) FILTER (WHERE type = 'sent'),
    count(DISTINCT execution_id) FILTER (WHERE type IN ('open', 'click') AND NOT bot),
    count(DISTINCT execution_id) FILTER (WHERE type = 'click' AND NOT bot),
    count(*) FILTER (WHERE type = 'reply'),
    count(*) FILTER (WHERE type = 'bounce'),
    count(*) FILTER (WHERE type = 'complaint'),
    count(*) FILTER (WHERE type = 'unsubscribe'),
    count(*) FILTER (WHERE type = 'meeting_booked'),
    count(*) FILTER (WHERE type IN ('open', 'click') AND bot)
FROM sequence_email_events
WHERE organization_id = :org AND occurred_at >= :since AND occurred_at < :until
  AND type IN ('sent', 'open', 'click', 'reply', 'bounce', 'complaint', 'unsubscribe',
               'meeting_booked')
""")

SENT_SINCE = text("""
SELECT count(*) FILTER (WHERE occurred_at >= :today), count(*)
FROM sequence_email_events
WHERE organization_id = :org AND type = 'sent' AND occurred_at >= :week AND occurred_at < :until
""")

ENROLLMENT_STATUS = text("""
SELECT status, count(*) FROM sequence_enrollments
WHERE organization_id = :org
GROUP BY status
""")

# Sends and replies per local day of the organization's zone.
DAILY = text("""
SELECT CAST(occurred_at AT TIME ZONE :zone AS date) AS day,
    count(*) FILTER (WHERE type = 'sent'), count(*) FILTER (WHERE type = 'reply')
FROM sequence_email_events
WHERE organization_id = :org AND type IN ('sent', 'reply')
  AND occurred_at >= :since AND occurred_at < :until
GROUP BY day
""")

# The dashboard's template list, from the same (organization, type, time) index as the cards,
# which carries each event's email: the period's sends, replies and bounces, and its emails
# opened by a person (each once, deduplicated before the join), then each joined through its
# email's enrollment to a template; with the active enrollments per template; the live
# templates with the most emails sent first, ties by name.
TEMPLATE_ROWS = text("""
WITH hits AS (
    SELECT execution_id, type FROM sequence_email_events
    WHERE organization_id = :org AND type IN ('sent', 'reply', 'bounce')
      AND occurred_at >= :since AND occurred_at < :until
    UNION ALL
    SELECT DISTINCT execution_id, 'opened' FROM sequence_email_events
    WHERE organization_id = :org AND type IN ('open', 'click') AND NOT bot
      AND occurred_at >= :since AND occurred_at < :until
), period AS (
    SELECT e.template_id,
        count(*) FILTER (WHERE h.type = 'sent') AS sent,
        count(*) FILTER (WHERE h.type = 'opened') AS opened,
        count(*) FILTER (WHERE h.type = 'reply') AS replies,
        count(*) FILTER (WHERE h.type = 'bounce') AS bounces
    FROM hits h
    JOIN sequence_step_executions x ON x.id = h.execution_id AND x.organization_id = :org
    JOIN sequence_enrollments e ON e.id = x.enrollment_id AND e.organization_id = :org
    GROUP BY e.template_id
), active AS (
    SELECT template_id, count(*) AS n FROM sequence_enrollments
    WHERE organization_id = :org AND status = 'active'
    GROUP BY template_id
)
SELECT t.id, t.name, coalesce(a.n, 0), coalesce(p.sent, 0), coalesce(p.opened, 0),
    coalesce(p.replies, 0), coalesce(p.bounces, 0)
FROM sequence_templates t
LEFT JOIN period p ON p.template_id = t.id
LEFT JOIN active a ON a.template_id = t.id
WHERE t.organization_id = :org AND t.deleted_at IS NULL
ORDER BY coalesce(p.sent, 0) DESC, t.name, t.id
LIMIT :limit
""")

MISSING_VARIABLE = text("""
SELECT t.id, t.name, count(*), min(e.paused_reason)
FROM sequence_enrollments e
JOIN sequence_templates t ON t.organization_id = e.organization_id AND t.id = e.template_id
WHERE e.organization_id = :org AND e.status = 'paused'
  AND e.paused_reason LIKE 'missing\\_variable%'
GROUP BY t.id, t.name
ORDER BY count(*) DESC, t.name
""")

# Webhook calls that failed or whose outcome is unknown, per template and step, recently.
FAILING_WEBHOOKS = text("""
SELECT t.id, t.name, x.step_position, count(*), max(coalesce(x.completed_at, x.created_at)),
    (array_agg(x.error ORDER BY x.created_at DESC))[1]
FROM sequence_step_executions x
JOIN sequence_enrollments e ON e.id = x.enrollment_id AND e.organization_id = :org
JOIN sequence_templates t ON t.organization_id = e.organization_id AND t.id = e.template_id
WHERE x.organization_id = :org AND x.step_type = 'webhook'
  AND x.status IN ('failed', 'unknown') AND x.created_at >= :since
GROUP BY t.id, t.name, x.step_position
ORDER BY count(*) DESC, t.name, x.step_position
""")

# Emails a crash left in doubt (the dispatcher died between its claim and the provider's answer):
# never resent blindly, so each holds its enrollment paused until an SES event settles it or
# someone ends the enrollment. Per template, over enrollments still running.
UNKNOWN_EMAILS = text("""
SELECT t.id, t.name, count(*), min(x.created_at),
    (array_agg(x.error ORDER BY x.created_at DESC))[1]
FROM sequence_step_executions x
JOIN sequence_enrollments e ON e.id = x.enrollment_id AND e.organization_id = :org
JOIN sequence_templates t ON t.organization_id = e.organization_id AND t.id = e.template_id
WHERE x.organization_id = :org AND x.step_type = 'email' AND x.status = 'unknown'
  AND e.status IN ('active', 'paused')
GROUP BY t.id, t.name
ORDER BY count(*) DESC, t.name
""")
