"""SQLAlchemy 2 typed models: the persistence layer, not where rules live.

Every table carries `organization_id`; constraints here are the last line of
defence for the promises the product makes (no duplicate lead, no second live
enrollment, no second execution for the same attempt).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sequences_core.enums import (
    CounterScope,
    EnrollmentStatus,
    EventType,
    ExecutionStatus,
    LeadStatus,
    MailboxStatus,
    StepType,
    SuppressionReason,
    TaskStatus,
    TemplateCategory,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        dict[str, Any]: JSONB,
        datetime: DateTime(timezone=True),
    }


def one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))


def org_fk(*, index: bool = True) -> Mapped[uuid.UUID]:
    """`index=False` where a wider index already leads with organization_id, or nothing
    queries the table by organization alone (an index is maintained on every write)."""
    return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=index)


def created_at() -> Mapped[datetime]:
    return mapped_column(server_default=func.now())


def jsonb_object() -> Mapped[dict[str, Any]]:
    return mapped_column(server_default=text("'{}'::jsonb"))


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    daily_limit: Mapped[int | None]
    settings: Mapped[dict[str, Any]] = jsonb_object()
    paused_reason: Mapped[str | None] = mapped_column(Text)
    reputation_since: Mapped[datetime | None]  # the guard's window starts here after a resume
    created_at: Mapped[datetime] = created_at()


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(String(200), server_default="default")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("uq_leads_org_email_ci", "organization_id", text("lower(email)"), unique=True),
        one_of("status", LeadStatus),
        CheckConstraint("position('@' in email) > 1", name="email_has_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    timezone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(32), server_default=LeadStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    custom_fields: Mapped[dict[str, Any]] = jsonb_object()
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Mailbox(Base):
    __tablename__ = "mailboxes"
    __table_args__ = (
        UniqueConstraint("organization_id", "from_email"),
        one_of("status", MailboxStatus),
        CheckConstraint("daily_limit > 0", name="daily_limit_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    from_email: Mapped[str] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    daily_limit: Mapped[int] = mapped_column(server_default=text("200"))
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    warmup: Mapped[dict[str, Any]] = jsonb_object()
    status: Mapped[str] = mapped_column(String(16), server_default=MailboxStatus.ACTIVE.value)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    reputation_since: Mapped[datetime | None]  # the guard's window starts here after a resume
    created_at: Mapped[datetime] = created_at()


class SenderDomain(Base):
    """The one organization that may add mailboxes at a domain: the first to add one there
    (migration 0007). The primary key makes two organizations' concurrent claims one winner."""

    __tablename__ = "sender_domains"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)  # lowercased
    organization_id: Mapped[uuid.UUID] = org_fk()
    created_at: Mapped[datetime] = created_at()


class SequenceTemplate(Base):
    __tablename__ = "sequence_templates"
    __table_args__ = (
        one_of("category", TemplateCategory),
        # For enrollments' (organization_id, template_id) key; also the by-organization index.
        UniqueConstraint("organization_id", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), server_default="custom")
    settings: Mapped[dict[str, Any]] = jsonb_object()
    metrics: Mapped[dict[str, Any]] = jsonb_object()
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    deleted_at: Mapped[datetime | None]


class SequenceStep(Base):
    __tablename__ = "sequence_steps"
    __table_args__ = (
        # Deferred so a reorder can swap positions inside one transaction.
        UniqueConstraint("template_id", "position", deferrable=True, initially="DEFERRED"),
        one_of("type", StepType),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sequence_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = jsonb_object()
    version: Mapped[int] = mapped_column(server_default=text("1"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SequenceEnrollment(Base):
    __tablename__ = "sequence_enrollments"
    __table_args__ = (
        Index(
            "uq_sequence_enrollments_live_lead_template",
            "lead_id",
            "template_id",
            unique=True,
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
        Index(
            "ix_sequence_enrollments_due",
            "next_run_at",
            postgresql_where=text("status = 'active'"),
        ),
        one_of("status", EnrollmentStatus),
        CheckConstraint("current_step >= 0", name="current_step_not_negative"),
        # One key checks both that the template exists and that it is this organization's
        # (where an organization key and a template key were two checks per enrolled row).
        # NO ACTION, checked at the end of the statement: a template with enrollments cannot
        # be deleted, and deleting an organization still can (its leads' cascade takes the
        # enrollments first).
        ForeignKeyConstraint(
            ["organization_id", "template_id"],
            ["sequence_templates.organization_id", "sequence_templates.id"],
            name="fk_sequence_enrollments_template_id_sequence_templates",
        ),
        Index(
            "ix_sequence_enrollments_organization_id_template_id", "organization_id", "template_id"
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID]  # the tenant, through the template key above
    lead_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[uuid.UUID]
    mailbox_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), server_default=EnrollmentStatus.ACTIVE.value)
    current_step: Mapped[int] = mapped_column(server_default=text("0"))
    next_run_at: Mapped[datetime | None]
    last_step_at: Mapped[datetime | None]
    paused_reason: Mapped[str | None] = mapped_column(Text)
    stopped_reason: Mapped[str | None] = mapped_column(Text)
    # Parked at a condition whose window is open: an open, click or reply wakes it at once.
    awaiting_engagement: Mapped[bool] = mapped_column(server_default=text("false"))
    metrics: Mapped[dict[str, Any]] = jsonb_object()
    thread_message_id: Mapped[str | None] = mapped_column(Text)
    thread_subject: Mapped[str | None] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SequenceStepExecution(Base):
    __tablename__ = "sequence_step_executions"
    __table_args__ = (
        one_of("status", ExecutionStatus),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        Index("ix_sequence_step_executions_provider_message_id", "provider_message_id"),
        Index("ix_sequence_step_executions_message_id_header", "message_id_header"),
        Index("ix_sequence_step_executions_mailbox_time", "mailbox_id", "completed_at"),
        Index(
            "ix_sequence_step_executions_sending",
            "lease_expires_at",
            postgresql_where=text("status = 'sending'"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sequence_enrollments.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sequence_steps.id", ondelete="SET NULL")
    )
    step_position: Mapped[int]
    step_type: Mapped[str] = mapped_column(String(16))
    mailbox_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="SET NULL")
    )
    attempt: Mapped[int] = mapped_column(server_default=text("1"))
    status: Mapped[str] = mapped_column(String(16), server_default=ExecutionStatus.PENDING.value)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    scheduled_at: Mapped[datetime | None]
    attempted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    message_id_header: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str | None] = mapped_column(Text)
    step_version: Mapped[int | None]  # the step's version this execution ran
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # a condition's, a webhook's
    error: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int] = mapped_column(server_default=text("0"))
    created_at: Mapped[datetime] = created_at()


class SequenceEmailEvent(Base):
    __tablename__ = "sequence_email_events"
    __table_args__ = (
        one_of("type", EventType),
        # Both carry what the metrics read (migration 0009): those reads skip the heap.
        Index(
            "ix_sequence_email_events_org_type_time",
            "organization_id",
            "type",
            "occurred_at",
            postgresql_include=["bot", "execution_id"],
        ),
        Index(
            "ix_sequence_email_events_execution_id",
            "execution_id",
            postgresql_include=["type", "bot"],
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    # No foreign keys on these three: events are an append-only log written at tracking
    # speed, and a key check per row halves that speed. Writers resolve the references as
    # they insert (a hit for a missing execution is dropped); deleting a lead anonymises
    # its events (services/leads.py).
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    execution_id: Mapped[uuid.UUID | None]
    lead_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    url: Mapped[str | None] = mapped_column(Text)
    link_index: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(128))
    geo: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    bot: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    classification: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    # Provider event id, or message id + type: the key that makes re-delivery a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()


class Suppression(Base):
    __tablename__ = "suppressions"
    __table_args__ = (
        Index("uq_suppressions_org_email_ci", "organization_id", text("lower(email)"), unique=True),
        one_of("reason", SuppressionReason),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class OrganizationMember(Base):
    """An Airflow user who works in an organization's pages. While there are none, every user
    who may open the pages works in every organization (one deployment, one trust domain)."""

    __tablename__ = "organization_members"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    airflow_user: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)
    created_at: Mapped[datetime] = created_at()


class AuditEntry(Base):
    """A change an operator made by hand: who (an API key's prefix or a CLI user), what, why."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "organization_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk(index=False)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(400))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = jsonb_object()
    created_at: Mapped[datetime] = created_at()


class CrmTask(Base):
    __tablename__ = "crm_tasks"
    __table_args__ = (one_of("status", TaskStatus),)

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sequence_enrollments.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sequence_steps.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(320))
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), server_default=TaskStatus.OPEN.value)
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()


class SendCounter(Base):
    """The daily limits' ledger: one row per scope (mailbox, template, org) and local day."""

    __tablename__ = "send_counters"
    __table_args__ = (
        one_of("scope", CounterScope),
        CheckConstraint("sent >= 0", name="sent_not_negative"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class FeedbackDeadLetter(Base):
    """A feed message that could not be applied: kept with the reason, never blocking the queue.

    organization_id is nullable here alone: a malformed message may name no tenant.
    """

    __tablename__ = "feedback_dead_letters"
    # A message whose acknowledgement was lost comes back: it is kept once.
    __table_args__ = (UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class InboundObject(Base):
    """An inbound reply object (S3 key or IMAP UID) already applied, so a rerun skips it."""

    __tablename__ = "inbound_objects"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    classification: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, for set-based statements that skip the ORM."""
    return Base.metadata.tables[model.__tablename__]
