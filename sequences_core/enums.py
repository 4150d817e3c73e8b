"""The closed vocabularies of the domain; the database enforces them with CHECK constraints."""

from __future__ import annotations

from enum import StrEnum


class TemplateCategory(StrEnum):
    COLD_OUTREACH = "cold_outreach"
    NURTURE = "nurture"
    FOLLOW_UP = "follow_up"
    WIN_BACK = "win_back"
    CUSTOM = "custom"


class StepType(StrEnum):
    EMAIL = "email"
    WAIT = "wait"
    TASK = "task"
    CONDITION = "condition"
    WEBHOOK = "webhook"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"


# An enrollment in one of these still holds the lead's place in its template.
LIVE_ENROLLMENT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)


class LeadStatus(StrEnum):
    ACTIVE = "active"
    LEFT_COMPANY = "left_company"
    DO_NOT_CONTACT = "do_not_contact"


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    COMPLETED = "completed"  # a step done that sends no email: a condition, a webhook


class EventType(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    OPEN = "open"
    CLICK = "click"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    MEETING_BOOKED = "meeting_booked"


class SuppressionReason(StrEnum):
    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    UNSUBSCRIBE_REPLY = "unsubscribe_reply"
    MANUAL = "manual"


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


class MailboxStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class CounterScope(StrEnum):
    MAILBOX = "mailbox"
    TEMPLATE = "template"
    ORGANIZATION = "organization"
