"""The builder's reads, by name: the custom-field keys an organization's leads have, and how
many live enrollments' leads lack each variable a template's steps need."""

from __future__ import annotations

from sqlalchemy import text

# Keys of a bounded sample of the organization's leads: a variable helper, not a census.
CUSTOM_FIELD_KEYS = text("""
SELECT DISTINCT k.key
FROM (
    SELECT custom_fields FROM leads
    WHERE organization_id = :org AND custom_fields <> '{}'::jsonb
    LIMIT :sample
) AS l
CROSS JOIN LATERAL jsonb_object_keys(l.custom_fields) AS k(key)
ORDER BY k.key
LIMIT :keys
""")

# A value counts as lacking as the renderer sees it: absent, null or empty text. The lead's
# own columns are read from their columns, any other name from custom_fields.
LACKING_VARIABLES = text("""
SELECT v.name,
       count(*) FILTER (WHERE coalesce(CASE v.name
           WHEN 'first_name' THEN l.first_name
           WHEN 'last_name' THEN l.last_name
           WHEN 'company' THEN l.company
           WHEN 'title' THEN l.title
           WHEN 'email' THEN l.email
           ELSE l.custom_fields ->> v.name END, '') = '') AS missing,
       count(*) AS enrolled
FROM sequence_enrollments e
JOIN leads l ON l.id = e.lead_id AND l.organization_id = e.organization_id
CROSS JOIN unnest(CAST(:names AS text[])) AS v(name)
WHERE e.organization_id = :org AND e.template_id = :template
  AND e.status = ANY(CAST(:statuses AS text[]))
GROUP BY v.name
""")
