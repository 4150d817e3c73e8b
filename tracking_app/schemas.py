"""The API's wire shapes: query strings, bodies and answers (inputs reuse the core's schemas).

Answers are built by validating what a service returned against these models, so the
OpenAPI document's response schemas are exactly what goes out. Every field carries a
description: the document is the API's reference (`/api/sequences/docs`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    create_model,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from sequences_core.enums import (
    CounterScope,
    EnrollmentStatus,
    EventType,
    LeadStatus,
    StepType,
    SuppressionReason,
    TaskStatus,
    TemplateCategory,
)
from sequences_core.rules.email_address import Email
from sequences_core.schemas import STEP_CONFIGS, LeadIn, mask_step_config, nested_deeper_than
from sequences_core.services.dispatch import CycleSummary
from sequences_core.services.enrollments import StatusAction
from sequences_core.services.feedback import FeedbackSummary
from sequences_core.services.metrics import Metrics, Rates
from sequences_core.services.schedule_explain import ReasonCode

MAX_BULK_API = 10_000


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    """Unknown query parameters are ignored (cache-busters, tracking tags)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


@dataclass(frozen=True)
class FieldDocs:
    """Descriptions for the fields of the core's dataclasses that answers carry (metrics,
    cycle summaries): the services own those types and stay free of API wording, so their
    fields are described here, where they go on the wire. Keyed by class, since a described
    type may nest another (Metrics holds Rates)."""

    docs: Mapping[type, Mapping[str, str]]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        self._describe(schema, handler)
        return schema

    def _describe(self, schema: JsonSchemaValue, handler: GetJsonSchemaHandler) -> None:
        target = handler.resolve_ref_schema(schema)
        fields = next((d for c, d in self.docs.items() if c.__name__ == target.get("title")), {})
        for name, prop in target.get("properties", {}).items():
            if name in fields:
                prop.setdefault("description", fields[name])
            if "$ref" in prop:
                self._describe(prop, handler)


_RATE = "{} per email sent (0 to 1; 0 when nothing was sent)."
METRICS_DOCS = FieldDocs(
    {
        Metrics: {
            "enrolled": "Enrollments made in the period.",
            "active": "Enrollments active now.",
            "paused": "Enrollments paused now.",
            "completed": "Enrollments that ran every step.",
            "sent": "Emails sent.",
            "delivered": "Emails the provider reported delivered.",
            "opens": "Opens by people (machine opens are in `machine_events`).",
            "unique_opens": "Emails opened or clicked by a person at least once.",
            "clicks": "Link clicks by people.",
            "unique_clicks": "Emails with at least one click by a person.",
            "replies": "Replies from people (auto-replies and out-of-office are not counted).",
            "bounces": "Bounces, hard and soft.",
            "complaints": "Spam complaints.",
            "unsubscribes": "Unsubscribes, by link or by reply.",
            "meetings": "Meetings booked (counted for every template the lead is in).",
            "machine_events": "Opens and clicks by scanners, proxies and link checkers: "
            "kept, counted in no rate.",
            "rates": "The rates, each a fraction of emails sent.",
        },
        Rates: {
            "open_rate": _RATE.format("Unique opens"),
            "click_rate": _RATE.format("Unique clicks"),
            "reply_rate": _RATE.format("Replies"),
            "bounce_rate": _RATE.format("Bounces"),
            "unsubscribe_rate": _RATE.format("Unsubscribes"),
            "complaint_rate": _RATE.format("Spam complaints"),
            "completion_rate": "Enrollments that ran every step per enrollment made "
            "(completed / enrolled; 0 when none).",
        },
    }
)
CYCLE_DOCS = FieldDocs(
    {
        CycleSummary: {
            "claimed": "Due enrollments this cycle took.",
            "sent": "Emails sent.",
            "deferred_window": "Deferred to the next opening of the send window.",
            "deferred_limit": "Deferred because a daily limit was reached.",
            "deferred_paused": "Deferred because the mailbox or organization is paused.",
            "retry": "Sends that failed for now and will be tried again.",
            "failed": "Sends that failed for good.",
            "unknown": "Sends whose outcome is unknown (checked before any retry).",
            "paused": "Enrollments paused (reply, meeting, missing variable…).",
            "stopped": "Enrollments stopped (suppressed, unsubscribed, bounced…).",
            "completed": "Enrollments that ran their last step.",
            "tasks_created": "Manual tasks created by task steps.",
            "reconciled": "Sends left unfinished by an earlier cycle, settled first.",
            "batches": "Batches the cycle ran.",
            "webhooks_called": "Webhook steps whose endpoint answered 2xx.",
            "webhooks_failed": "Webhook attempts that failed (retried later or given up).",
        },
        FeedbackSummary: {
            "events": "Feedback events read (SES events, inbound mail).",
            "duplicates": "Events already applied before (re-deliveries).",
            "unmatched": "Events that matched no email we sent.",
            "hard_bounces": "Hard bounces (the address is suppressed).",
            "soft_bounces": "Soft bounces.",
            "complaints": "Spam complaints (the address is suppressed).",
            "replies": "Replies from people (their enrollments pause).",
            "auto_replies": "Automatic replies (ignored).",
            "out_of_office": "Out-of-office replies (the next step waits for the return date).",
            "unsubscribes": "Unsubscribe requests by reply.",
            "left_company": "Replies saying the lead has left the company.",
            "meetings": "Meetings booked.",
            "dead_letters": "Malformed events kept aside for inspection.",
            "paused_for_reputation": "Mailboxes or organizations paused by the reputation guard.",
        },
    }
)
MetricsOut = Annotated[Metrics, METRICS_DOCS]


class ErrorDetail(Out):
    code: str = Field(
        description="Machine-readable: `bad_request`, `unauthorized`, `forbidden`, "
        "`not_found`, `conflict`, `invalid_input`, `unsupported_media_type`, `rate_limited`…"
    )
    message: str = Field(description="What went wrong, for people.")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="For invalid input: each offending field (a dotted path such as "
        "`config.subject` or `body.settings.timezone`) → what is wrong with it.",
    )


class ErrorResponse(Out):
    """Every error answer of the API has this shape."""

    error: ErrorDetail = Field(description="The error.")


_LIMIT = "Items per page (1 to 200)."
_CURSOR = "The `next_cursor` of the previous page; leave out for the first page."
_NEXT = "Pass as `cursor` for the next page; null on the last page."


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200, description=_LIMIT)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = Field(None, description=_CURSOR)


# --- metrics -----------------------------------------------------------------------------


class MetricsQuery(Query):
    since: AwareDatetime | None = Field(
        default=None, alias="from", description="Count from this time (inclusive, with offset)."
    )
    until: AwareDatetime | None = Field(
        default=None, alias="to", description="Count up to this time (with offset)."
    )
    template_id: uuid.UUID | None = Field(None, description="Only this template.")


class TemplateMetricsOut(Out):
    template_id: uuid.UUID = Field(description="The template.")
    name: str = Field(description="The template's name.")
    metrics: MetricsOut = Field(description="The template's metrics in the period.")


class MetricsReportOut(Out):
    overall: MetricsOut = Field(description="The organization's metrics in the period.")
    templates: list[TemplateMetricsOut] = Field(description="Metrics per template.")


# --- templates and steps -----------------------------------------------------------------


class TemplateListQuery(PageQuery):
    category: TemplateCategory | None = Field(None, description="Only this category.")
    q: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Search in names and descriptions."
    )
    include_deleted: bool = Field(False, description="Include soft-deleted templates.")


class TemplateOut(Out):
    id: uuid.UUID = Field(description="The template's id.")
    name: str = Field(description="Its name.")
    description: str | None = Field(description="Its description.")
    category: TemplateCategory = Field(description="Its category.")
    settings: dict[str, Any] = Field(
        description="Its settings, every default filled in (see `TemplateSettings`)."
    )
    metrics: MetricsOut = Field(description="Its metrics, all time.")
    created_at: datetime = Field(description="When it was created.")
    updated_at: datetime = Field(description="When it was last changed.")
    deleted_at: datetime | None = Field(description="When it was soft-deleted; null if live.")


class TemplatePage(Out):
    items: list[TemplateOut] = Field(description="This page's templates.")
    next_cursor: str | None = Field(description=_NEXT)


class TemplateDeletedOut(Out):
    id: uuid.UUID = Field(description="The template's id.")
    deleted: Literal[True] = Field(True, description="Always true.")
    stopped_enrollments: int = Field(description="Live enrollments the deletion stopped.")


class StepsQuery(Query):
    template_id: uuid.UUID = Field(description="The template whose steps to list.")


_STEP_TYPE = "What the step does: send an email, wait, create a task, branch, call a webhook."


class StepCreate(In):
    """`config` is validated by the core for the step's `type` (a 422 names `config.<field>`),
    so this model takes it as an object; the document shows it as what it is, one body shape
    per step type, discriminated by `type` (`_step_shapes`)."""

    template_id: uuid.UUID = Field(description="The template to add the step to.")
    type: StepType = Field(description=_STEP_TYPE)
    config: dict[str, Any] = Field(
        default_factory=dict, description="The step's settings; their shape depends on `type`."
    )
    position: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        None, description="Where to insert the step (0 is first); at the end if left out."
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        shapes = {
            kind.value: shape.__pydantic_core_schema__ for kind, shape in _CREATE_SHAPES.items()
        }
        union = handler(core_schema.tagged_union_schema(shapes, discriminator="type"))
        return {**union, "description": "A step of one type, with that type's `config`."}


class StepUpdate(In):
    """Like StepCreate's, `config` is validated by the core: for `type`, or for the step's
    own type when `type` is left out (which no discriminator can express, so the document
    gives one shape per type plus one without `type`)."""

    type: StepType | None = Field(
        None, description="A new type; the step keeps its own if left out."
    )
    config: dict[str, Any] = Field(
        description="The whole new config, for `type` (or the step's current type)."
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        union = core_schema.union_schema
        typed = handler(
            union([shape.__pydantic_core_schema__ for shape in _UPDATE_SHAPES.values()])
        )
        configs = handler(union([c.__pydantic_core_schema__ for c in STEP_CONFIGS.values()]))
        same_type = {
            "title": "StepConfigUpdate",
            "description": "A new config for the step's own type (no `type`).",
            "type": "object",
            "properties": {
                "config": {
                    **configs,
                    "description": "The whole new config, for the step's current type.",
                }
            },
            "required": ["config"],
            "additionalProperties": False,
        }
        return {
            "oneOf": [*typed["anyOf"], same_type],
            "description": "A new config, with a new `type` or for the step's own.",
        }


def _step_shapes(suffix: str, shared: type[BaseModel]) -> dict[StepType, type[BaseModel]]:
    """One body shape per step type, for the document: `shared`'s fields, with `type` fixed
    and `config` that type's schema (the core's STEP_CONFIGS, which validate it)."""
    fields: dict[str, Any] = {
        name: (field.annotation, field)
        for name, field in shared.model_fields.items()
        if name not in ("type", "config")
    }
    return {
        kind: create_model(
            f"{kind.value.capitalize()}Step{suffix}",
            __base__=In,
            __doc__=config.__doc__,
            # a Literal of a value known at run time, which no static type can spell
            type=(Literal[kind], Field(description="The step type.")),  # type: ignore[arg-type]
            config=(config, Field(description=f"The `{kind.value}` step's settings.")),
            **fields,
        )
        for kind, config in STEP_CONFIGS.items()
    }


_CREATE_SHAPES = _step_shapes("Create", StepCreate)
_UPDATE_SHAPES = _step_shapes("Update", StepUpdate)


class StepReorder(In):
    template_id: uuid.UUID = Field(description="The template.")
    step_ids: Annotated[list[uuid.UUID], Field(max_length=1000)] = Field(
        description="Every step id of the template, once each, in the new order."
    )


class StepOut(Out):
    id: uuid.UUID = Field(description="The step's id.")
    template_id: uuid.UUID = Field(description="Its template.")
    position: int = Field(description="Its place in the template (0 is first).")
    type: StepType = Field(description=_STEP_TYPE)
    config: dict[str, Any] = Field(
        description="Its validated config, defaults filled in (the shape for its `type`). "
        "Secrets (a webhook's `secret` and secret header values) show as `********`."
    )
    version: int = Field(description="Goes up by one with every change.")
    created_at: datetime = Field(description="When it was added.")
    updated_at: datetime = Field(description="When it was last changed.")

    @model_validator(mode="after")
    def _masked(self) -> StepOut:
        """Secrets are never shown once saved, in any answer that carries a step."""
        self.config = mask_step_config(self.type, self.config)
        return self


class StepSaved(StepOut):
    generated_secret: str | None = Field(
        description="A webhook step's signing secret, generated because the config named "
        "none: shown in this answer only. Null otherwise."
    )


class StepList(Out):
    items: list[StepOut] = Field(description="The steps, in order.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the graph of steps may not mean: a step no path from the first "
        "reaches (a branch skips it). Errors are refused when steps are saved.",
    )


class Deleted(Out):
    id: uuid.UUID = Field(description="The deleted resource's id.")
    deleted: Literal[True] = Field(True, description="Always true.")


# --- enrollments and execution -----------------------------------------------------------

_MAILBOX = "The mailbox to send from; the template's or the organization's default if left out."
_START = "When the first step may run (with offset); now if left out."


class EnrollmentCreate(In):
    template_id: uuid.UUID = Field(description="The template to enrol the lead in.")
    lead_id: uuid.UUID = Field(description="The lead.")
    mailbox_id: uuid.UUID | None = Field(None, description=_MAILBOX)
    start_at: AwareDatetime | None = Field(None, description=_START)


class BulkEnrollment(In):
    """Give `lead_ids` of existing leads, or `leads` to upsert by email and enrol, or both."""

    template_id: uuid.UUID = Field(description="The template to enrol the leads in.")
    lead_ids: Annotated[
        list[Annotated[str, Field(max_length=100)]], Field(max_length=MAX_BULK_API)
    ] = Field(default_factory=list, description="Ids of existing leads.")
    leads: Annotated[list[LeadIn], Field(max_length=MAX_BULK_API)] = Field(
        default_factory=list,
        description="Leads to create or update by email (empty fields never erase), then enrol.",
    )
    mailbox_id: uuid.UUID | None = Field(None, description=_MAILBOX)
    start_at: AwareDatetime | None = Field(None, description=_START)

    @model_validator(mode="after")
    def _some_leads(self) -> BulkEnrollment:
        if not self.lead_ids and not self.leads:
            raise ValueError("give lead_ids or leads")
        if len(self.lead_ids) + len(self.leads) > MAX_BULK_API:
            raise ValueError(f"at most {MAX_BULK_API} leads per call")
        return self


class EnrolledOut(Out):
    lead_id: uuid.UUID = Field(description="The lead.")
    enrollment_id: uuid.UUID = Field(description="Its new enrollment.")


class SkippedOut(Out):
    lead: str = Field(description="The lead's id, as given.")
    reason: str = Field(
        description="Why it was not enrolled: `already_enrolled`, `suppressed`, "
        "`lead_not_found`, `lead_<status>`, `invalid_id` or `duplicate_in_request`."
    )


class BulkEnrollmentOut(Out):
    enrolled: int = Field(description="Leads enrolled.")
    skipped: int = Field(description="Leads not enrolled (see `skips`).")
    leads_created: int = Field(description="Leads created from `leads`.")
    enrollments: list[EnrolledOut] = Field(description="Each enrollment made.")
    skips: list[SkippedOut] = Field(description="Each lead skipped, with the reason.")


class StatusChange(In):
    action: StatusAction = Field(
        description="`pause` an active enrollment, `resume` a paused one, `stop` a live one."
    )
    reason: Annotated[str, Field(max_length=500)] | None = Field(
        None, description="Why, kept as the paused or stopped reason."
    )


class EnrollmentQuery(PageQuery):
    lead_id: uuid.UUID | None = Field(None, description="Only this lead's enrollments.")
    template_id: uuid.UUID | None = Field(None, description="Only this template's enrollments.")
    status: EnrollmentStatus | None = Field(None, description="Only enrollments in this status.")
    paused_reason: Annotated[str, Field(max_length=200)] | None = Field(
        None,
        description="Only enrollments paused for a reason starting with this "
        "(e.g. `missing_variable`).",
    )


class EnrollmentOut(Out):
    id: uuid.UUID = Field(description="The enrollment's id.")
    lead_id: uuid.UUID = Field(description="The lead.")
    template_id: uuid.UUID = Field(description="The template.")
    mailbox_id: uuid.UUID | None = Field(description="The mailbox it sends from, if chosen.")
    status: EnrollmentStatus = Field(description="Where it stands.")
    current_step: int = Field(description="Position of the step it runs next.")
    next_run_at: datetime | None = Field(description="When that step is due; null when not active.")
    last_step_at: datetime | None = Field(description="When it last ran a step.")
    paused_reason: str | None = Field(
        description="Why it is paused (e.g. `reply`, `missing_variable: company`)."
    )
    stopped_reason: str | None = Field(description="Why it stopped.")
    enrolled_at: datetime = Field(description="When the lead was enrolled.")
    completed_at: datetime | None = Field(description="When it ran its last step.")


class EnrollmentPage(Out):
    items: list[EnrollmentOut] = Field(description="This page's enrollments.")
    next_cursor: str | None = Field(description=_NEXT)


class ExecuteBody(In):
    enrollment_id: uuid.UUID | None = Field(
        None, description="Run only this enrollment's due step; the whole organization if left out."
    )


class ExecuteOut(Out):
    scope: Literal["organization", "enrollment"] = Field(description="What the cycle covered.")
    summary: Annotated[CycleSummary, CYCLE_DOCS] = Field(description="What the cycle sent and did.")
    feedback: Annotated[FeedbackSummary, CYCLE_DOCS] = Field(
        description="The feedback (replies, bounces…) applied before sending."
    )


class ScheduleQuery(Query):
    at: AwareDatetime | None = Field(
        None,
        description="Explain as of this instant (with offset, e.g. `2026-12-24T16:30:00Z`); "
        "now if left out.",
    )


class InstantOut(Out):
    utc: datetime = Field(description="The instant in UTC.")
    local: datetime = Field(description="The same instant as wall time in `zone`, with offset.")
    zone: str = Field(
        description="The IANA zone `local` is in: the lead's (see `zone_source`), or for a daily "
        "limit its owner's (the mailbox's, or the organization's for template and organization "
        "limits)."
    )


class ScheduleStepOut(Out):
    position: int = Field(description="The step's position (0 is first).")
    type: StepType = Field(description="What the step does.")
    step_id: uuid.UUID = Field(description="The step's id.")


class LimitUsageOut(Out):
    scope: CounterScope = Field(
        description="Whose daily limit: `mailbox`, `template` or `organization`."
    )
    scope_id: uuid.UUID = Field(description="The mailbox's, template's or organization's id.")
    day: date = Field(description="The day the limit is spent for, in `refills_at.zone`.")
    used: int = Field(description="Emails counted against it that day.")
    limit: int = Field(description="The limit that day (a mailbox's warm-up ramp's, if lower).")
    warmup: bool = Field(description="The mailbox's warm-up ramp holds it below its daily limit.")
    refills_at: InstantOut = Field(description="When the next day begins in the limit's zone.")


class ScheduleReasonOut(Out):
    code: ReasonCode = Field(
        description="Why: the enrollment is `not_active`; `template_deleted`, `lead_not_active` "
        "or `suppressed` (the next cycle stops it); `sequence_ends` (no email left); "
        "`condition`, `webhook` or `task_holds` (a step before the email decides when it goes); "
        "`scheduled` or `wait` (not due yet); `in_flight` or "
        "`delivery_unknown` (a send not settled); `no_mailbox`, `mailbox_paused`, "
        "`organization_paused`; `outside_window`, `weekend`, `not_send_day`, `holiday` (the "
        "lead's calendar); `daily_limit`."
    )
    message: str = Field(description="The reason for people, with local and UTC times.")
    until: InstantOut | None = Field(description="When it stops holding, if it ends by itself.")
    day: date | None = Field(description="For calendar reasons: the lead's local day.")
    holiday: str | None = Field(description="For `holiday`: the holiday's name.")
    country: str | None = Field(description="For `holiday`: whose calendar (ISO 3166 code).")
    limit: LimitUsageOut | None = Field(description="For `daily_limit`: which limit, how spent.")


class EnrollmentScheduleOut(Out):
    """When the enrollment's next email can go and, in the order the dispatcher meets them,
    every reason it does not go now: the dispatcher's own rules, replayed."""

    enrollment_id: uuid.UUID = Field(description="The enrollment.")
    status: EnrollmentStatus = Field(description="Where it stands.")
    status_reason: str | None = Field(description="Why it is paused or stopped.")
    current_step: ScheduleStepOut | None = Field(
        description="The step it is on; null past its last step."
    )
    next_email_step: ScheduleStepOut | None = Field(
        description="The email step that goes next (after any waits); null if none will."
    )
    zone: str = Field(description="The IANA zone the lead's send window is read in.")
    zone_source: Literal["lead", "template", "organization", "default"] = Field(
        description="Where `zone` comes from: the lead, else the template, else the organization."
    )
    holiday_country: str | None = Field(
        description="Whose public holidays are skipped: the lead's country, else the template's."
    )
    now: InstantOut = Field(description="The instant explained.")
    next_run_at: InstantOut | None = Field(
        description="When a dispatch cycle next looks at it, as stored; null when not active."
    )
    next_send_at: InstantOut | None = Field(
        description="The earliest instant the next email can go by the send window, calendar, "
        "waits and daily limits; null when it will not go at all."
    )
    jitter_minutes: int = Field(
        description="The dispatcher may send up to this many minutes after `next_send_at`."
    )
    blocked: bool = Field(
        description="A pause (enrollment, mailbox, organization) or an unsettled send holds it: "
        "`next_send_at` is then when it could go if that were lifted now."
    )
    reasons: list[ScheduleReasonOut] = Field(
        description="Every reason it does not go now, in the order the dispatcher meets them."
    )


# --- events ----------------------------------------------------------------------------


class EventQuery(Query):
    lead_id: uuid.UUID | None = Field(None, description="Only this lead's events.")
    enrollment_id: uuid.UUID | None = Field(None, description="Only this enrollment's events.")
    type: EventType | None = Field(None, description="Only events of this type.")
    limit: Annotated[int, Field(ge=1, le=200, description=_LIMIT)] = 50
    before_id: Annotated[int, Field(ge=1)] | None = Field(
        None, description="The `next_before_id` of the previous page; leave out for the first."
    )


class EventOut(Out):
    id: int = Field(description="The event's id (grows with time).")
    type: EventType = Field(description="What happened.")
    occurred_at: datetime = Field(description="When it happened.")
    lead_id: uuid.UUID | None = Field(description="The lead; null once the lead is deleted.")
    enrollment_id: uuid.UUID | None = Field(description="The enrollment, when known.")
    execution_id: uuid.UUID | None = Field(description="The email sent, when known.")
    classification: str | None = Field(
        description="For inbound mail, how it was classified: `human_reply`, "
        "`out_of_office`, `auto_reply`, `bounce_hard`, `bounce_soft` or `unsubscribe_request`."
    )
    reason: str | None = Field(description="Why it was classified so, or the bounce's status.")
    url: str | None = Field(description="For clicks: the link.")
    link_index: int | None = Field(description="For clicks: which link of the email (0 first).")
    device: str | None = Field(description="For opens and clicks: the device family.")
    client: str | None = Field(description="For opens and clicks: the mail client or browser.")
    geo: dict[str, Any] | None = Field(
        description="For opens and clicks: `country` and `city`, when a GeoIP database is set."
    )
    bot: bool = Field(
        description="True for a machine open or click (scanner, proxy, prefetch): counted in "
        "no rate."
    )


class EventPage(Out):
    items: list[EventOut] = Field(description="This page's events, newest first.")
    next_before_id: int | None = Field(
        description="Pass as `before_id` for the next page; null on the last page."
    )


# --- leads -----------------------------------------------------------------------------------


class LeadQuery(PageQuery):
    q: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Search in email, names and company."
    )
    status: LeadStatus | None = Field(None, description="Only leads in this status.")


SHOWN_DEPTH = 16


def shown_custom_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A lead's custom fields as answers show them. Leads saved before today's limits may hold
    a value nested hundreds of levels deep, which no serialiser takes: that value is shown as
    a note, so its lead, and the list it is in, still answer."""
    return {
        name: f"(not shown: nested more than {SHOWN_DEPTH} levels)"
        if nested_deeper_than(value, SHOWN_DEPTH)
        else value
        for name, value in fields.items()
    }


class LeadOut(Out):
    id: uuid.UUID = Field(description="The lead's id.")
    email: str = Field(description="Their email address (normalised).")
    first_name: str | None = Field(description="First name.")
    last_name: str | None = Field(description="Last name.")
    company: str | None = Field(description="Company.")
    title: str | None = Field(description="Job title.")
    timezone: str | None = Field(description="IANA time zone that send windows follow.")
    country: str | None = Field(description="ISO 3166 alpha-2 code; its holidays are skipped.")
    status: LeadStatus = Field(description="Whether they may be contacted.")
    status_reason: str | None = Field(description="Why the status was set.")
    custom_fields: Annotated[dict[str, Any], BeforeValidator(shown_custom_fields)] = Field(
        description="Your own fields, each a template variable."
    )
    created_at: datetime = Field(description="When the lead was created.")
    updated_at: datetime = Field(description="When it was last changed.")


class LeadPage(Out):
    items: list[LeadOut] = Field(description="This page's leads.")
    next_cursor: str | None = Field(description=_NEXT)


class LeadSaved(LeadOut):
    created: bool = Field(description="True if the lead was created, false if updated.")


class ImportQuery(Query):
    encoding: Annotated[str, Field(max_length=40)] = Field(
        "utf-8", description="The CSV's text encoding (e.g. `utf-8`, `cp1252`)."
    )


class RowErrorOut(Out):
    line: int = Field(description="The CSV line (1 is the header).")
    field: str = Field(description="The column at fault.")
    message: str = Field(description="What is wrong.")


class ImportOut(Out):
    rows: int = Field(description="Data rows read.")
    created: int = Field(description="Leads created.")
    updated: int = Field(description="Leads updated.")
    errors: list[RowErrorOut] = Field(description="Rows refused, one entry per fault.")


# --- mailboxes, suppressions, tasks ------------------------------------------------------


class MailboxOut(Out):
    id: uuid.UUID = Field(description="The mailbox's id.")
    from_email: str = Field(description="The sender address.")
    from_name: str | None = Field(description="The sender's display name.")
    reply_to: str | None = Field(description="Where replies go, if not the sender address.")
    daily_limit: int = Field(description="Emails it sends a day at most.")
    timezone: str = Field(description="IANA time zone its day is counted in.")
    status: str = Field(description="`active` or `paused`.")
    paused_reason: str | None = Field(description="Why it is paused.")
    created_at: datetime = Field(description="When it was added.")


class MailboxCreated(MailboxOut):
    warnings: list[str] = Field(
        description="What may stop this mailbox from sending, found when it was added: with "
        "SES, that neither the address nor its domain is a verified identity (its sends would "
        "be rejected), or that SES could not be asked. Empty when nothing was found."
    )


class MailboxList(Out):
    items: list[MailboxOut] = Field(description="The mailboxes, oldest first.")


class SuppressionQuery(PageQuery):
    q: Annotated[str, Field(max_length=320)] | None = Field(
        None, description="Search in addresses."
    )
    reason: SuppressionReason | None = Field(None, description="Only this reason.")


class SuppressionCreate(In):
    email: Email = Field(description="The address never to mail again.")
    source: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Where the request came from, for your records."
    )


class SuppressionOut(Out):
    id: uuid.UUID = Field(description="The suppression's id.")
    email: str = Field(description="The suppressed address.")
    reason: SuppressionReason = Field(description="Why it is suppressed.")
    source: str | None = Field(description="Where the request came from.")
    created_at: datetime = Field(description="When it was suppressed.")


class SuppressionPage(Out):
    items: list[SuppressionOut] = Field(description="This page's suppressions.")
    next_cursor: str | None = Field(description=_NEXT)


class SuppressionCreated(SuppressionOut):
    stopped_enrollments: int = Field(description="Live enrollments of the lead now stopped.")


class TaskQuery(PageQuery):
    status: TaskStatus | None = Field(None, description="Only tasks in this status.")
    assignee: Annotated[str, Field(max_length=320)] | None = Field(
        None, description="Only tasks assigned to this address."
    )


class TaskUpdate(In):
    status: TaskStatus = Field(description="`completed` to complete the task, `open` to reopen.")


class TaskOut(Out):
    id: uuid.UUID = Field(description="The task's id.")
    enrollment_id: uuid.UUID | None = Field(description="The enrollment that created it.")
    lead_id: uuid.UUID | None = Field(description="The lead it is about.")
    step_id: uuid.UUID | None = Field(description="The task step that created it.")
    title: str = Field(description="What to do (rendered for the lead).")
    description: str | None = Field(description="Details (rendered for the lead).")
    assignee: str | None = Field(description="Who should do it.")
    due_at: datetime | None = Field(description="When it is due.")
    status: TaskStatus = Field(description="Open or completed.")
    completed_at: datetime | None = Field(description="When it was completed.")
    created_at: datetime = Field(description="When it was created.")


class TaskPage(Out):
    items: list[TaskOut] = Field(description="This page's tasks.")
    next_cursor: str | None = Field(description=_NEXT)


# --- preview and test send ---------------------------------------------------------------


class PreviewQuery(Query):
    lead_id: uuid.UUID = Field(description="The lead to render the emails for.")


class PreviewHeaders(Out):
    from_: str = Field(alias="from", description="The From header.")
    to: str = Field(description="The To header.")
    reply_to: str | None = Field(description="The Reply-To header, if any.")
    subject: str = Field(description="The Subject header.")
    message_id: str = Field(description="The Message-ID header.")
    in_reply_to: str | None = Field(
        description="In-Reply-To: the thread's first email, for a threaded follow-up."
    )
    list_unsubscribe: str = Field(description="The List-Unsubscribe header.")
    list_unsubscribe_post: str = Field(description="The List-Unsubscribe-Post header.")


class PreviewEmail(Out):
    step_id: uuid.UUID = Field(description="The email step.")
    position: int = Field(description="Its position in the template.")
    subject: str | None = Field(description="The rendered subject; null on error.")
    html: str | None = Field(description="The rendered HTML body; null on error.")
    text: str | None = Field(description="The rendered plain-text body; null on error.")
    headers: PreviewHeaders | None = Field(description="The headers it would carry.")
    error: str | None = Field(
        description="Why it cannot be rendered (e.g. `missing_variable: company`)."
    )


class PreviewOut(Out):
    template_id: uuid.UUID = Field(description="The template.")
    lead_id: uuid.UUID = Field(description="The lead.")
    emails: list[PreviewEmail] = Field(description="Each email step, in order.")


class TestSendBody(In):
    to: Email = Field(description="Where to send it: an address at one of your own domains.")
    lead_id: uuid.UUID | None = Field(
        None, description="The lead to render for; a sample lead named Test if left out."
    )
    step_id: uuid.UUID | None = Field(
        None, description="The email step to send; the first if left out."
    )


class TestSendOut(Out):
    to: str = Field(description="Where it was sent.")
    step_id: uuid.UUID = Field(description="The step sent.")
    subject: str = Field(description="The rendered subject.")
    provider_message_id: str | None = Field(description="The provider's id for the message.")


# --- webhooks ----------------------------------------------------------------------------


class MeetingBody(BaseModel):
    """A generic `{email, time, source}` body, or Calendly's `invitee.created` webhook."""

    model_config = ConfigDict(extra="allow")
    email: Email | None = Field(None, description="The lead who booked (generic body).")
    time: AwareDatetime | None = Field(None, description="When the meeting is (generic body).")
    source: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="Where it was booked, e.g. `hubspot` (generic body)."
    )
    event: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="Calendly: the event name, `invitee.created`."
    )
    payload: dict[str, Any] | None = Field(
        None, description="Calendly: the invitee, with its `email`."
    )


class MeetingOut(Out):
    paused: int = Field(
        description="Live enrollments of the lead paused (0 when the lead is unknown)."
    )


class SnsOut(Out):
    status: Literal["subscribed", "applied", "ignored"] = Field(
        description="`subscribed`: a subscription was confirmed; `applied`: events applied; "
        "`ignored`: a message we do not act on."
    )
    events: int = Field(0, description="Events applied.")


class WebhookUrlOut(Out):
    url: str = Field(description="The URL to give the meeting service; its token is secret.")
