"""Validated shapes of template settings and step configs.

These are the contracts the API, UI and CLI share; a bad value is rejected with
a message naming the field, before anything is stored.
"""

from __future__ import annotations

import math
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from functools import cache
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, available_timezones

import msgspec
import nh3
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    HttpUrl,
    PlainValidator,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sequences_core.enums import StepType, TemplateCategory
from sequences_core.errors import InvalidInput
from sequences_core.rules.email_address import Email
from sequences_core.rules.template_sandbox import (
    BUILT_IN_VARIABLES,
    GLOBALS,
    JINJA_NAMES,
    TemplateProblem,
    check_template,
)
from sequences_core.webhooks.guard import port_problem
from sequences_core.webhooks.headers import RESERVED_HEADERS, is_secret_header

M = TypeVar("M", bound=BaseModel)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin")
    ZoneInfo(value)
    return value


# How far ahead an enrollment may start: a year covers any campaign, and keeps every time the
# engine then computes (waits, windows, forecasts) far from the calendar's end.
MAX_START_AHEAD = timedelta(days=366)


def check_start_at(start_at: datetime, now: datetime) -> datetime:
    if start_at > now + MAX_START_AHEAD:
        raise ValueError(f"at most {MAX_START_AHEAD.days} days ahead")
    return start_at


@cache
def _countries() -> dict[str, str]:
    """Every code `holidays` has a calendar for (alpha-2, alpha-3, aliases such as UK) → alpha-2.

    Read from its registry: `list_supported_countries()` loads all 250 calendars (~0.7 s).
    """
    from holidays.registry import COUNTRIES

    return {
        code: names[1]
        for names in COUNTRIES.values()
        for code in names[1:]
        if code.isupper() and len(code) <= 3
    }


def check_country(value: str) -> str:
    """The alpha-2 code (stored in two characters) of a country with a holiday calendar."""
    code = _countries().get(value.strip().upper())
    if code is None:
        raise ValueError(f"no holiday calendar for country {value!r}; use an ISO 3166 code")
    return code


Timezone = Annotated[str, AfterValidator(check_timezone)]
Country = Annotated[str, AfterValidator(check_country)]


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb cannot hold NUL: refused here, naming the field (and the CSV
    line), instead of failing a whole batch in the database."""
    if _holds_nul(value):
        raise ValueError("must not contain a NUL character (\\u0000)")
    return value


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON-shaped `value` nests lists/objects more than `limit` levels, found without
    recursion (Python's own limit is near 1,000 frames, and a body or a stored value may be
    deeper than that)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def one_line(value: str | None) -> str | None:
    """A header value: CR or LF would let it write headers of its own."""
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError("must be one line (no line breaks)")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class SendWindow(Strict):
    """When emails may go out, in the lead's time zone (else the template's, else the org's)."""

    start: time = Field(time(9, 0), description="Local wall time the window opens, e.g. 09:00.")
    end: time = Field(time(17, 0), description="Local wall time it closes (after `start`).")
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        description="ISO weekdays it is open: Monday = 1 … Sunday = 7.",
    )

    @field_validator("start", "end")
    @classmethod
    def _wall_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("must be a local wall time without an offset, such as 09:00")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start (windows do not cross midnight)")
        if not self.days:
            raise ValueError("days must name at least one weekday")
        self.days = sorted(set(self.days))
        return self


class Tracking(Strict):
    """What the emails track."""

    opens: bool = Field(True, description="Add the open pixel.")
    clicks: bool = Field(True, description="Rewrite links to count clicks.")


class TemplateSettings(Strict):
    """How a template's steps are scheduled, threaded and tracked; every field has a default."""

    pause_on_reply: bool = Field(True, description="Pause an enrollment when the lead replies.")
    pause_on_meeting: bool = Field(True, description="Pause it when the lead books a meeting.")
    skip_weekends: bool = Field(True, description="Send on weekdays only.")
    holidays: Country | None = Field(
        None,
        description="Skip the public holidays of this country (ISO 3166 code, e.g. DE) for "
        "leads without a country of their own.",
    )
    daily_limit: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="Emails this template sends a day at most (besides the mailbox's)."
    )
    send_window: SendWindow = Field(
        default_factory=SendWindow, description="When emails may go out."
    )
    timezone: Timezone | None = Field(
        None,
        description="IANA zone for leads without one (else the organization's), e.g. "
        "Europe/Berlin.",
    )
    thread_follow_ups: bool = Field(
        True, description="Send follow-ups as replies in the first email's thread."
    )
    # A reply from anyone at the company pauses the org's other sequences to that company.
    stop_account_on_reply: bool = Field(
        False, description="A reply from anyone at the company pauses the others there too."
    )
    tracking: Tracking = Field(default_factory=Tracking, description="Open and click tracking.")
    jitter_minutes: Annotated[int, Field(ge=0, le=120)] = Field(
        5, description="Spread sends over up to this many minutes after the window allows."
    )
    ooo_delay_days: Annotated[int, Field(ge=0, le=60)] = Field(
        7,
        description="An out-of-office reply that names no return date holds the next step "
        "at least this many days (0: not at all).",
    )


def check_jinja(value: str) -> str:
    """Refuse at save what a template may not do (syntax, unknown filters, includes, Python
    internals: `template_sandbox.check_template`), naming the line."""
    try:
        check_template(value)
    except TemplateProblem as err:
        raise ValueError(f"template error at {err}") from None
    return value


Jinja = Annotated[str, AfterValidator(check_jinja)]

_EMAIL_ATTRIBUTES = {
    "*": {"style", "class", "align", "dir", "lang", "title", "width", "height", "bgcolor"},
    "a": {"href", "target", "name"},
    "img": {"src", "alt", "border"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign"},
    "table": {"cellpadding", "cellspacing", "border", "role"},
    "font": {"color", "face", "size"},
}


def sanitise_html(value: str) -> str:
    """Allow-list HTML at save time (nh3): no scripts, handlers or foreign embeds in our mail."""
    cleaned = nh3.clean(
        value,
        tags=nh3.ALLOWED_TAGS | {"font", "center", "span", "div", "table", "tbody", "thead",
                                 "tr", "td", "th", "img", "hr", "br", "u", "s"},
        attributes=_EMAIL_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
    )  # fmt: skip
    return check_jinja(cleaned)


_TEMPLATE_LANGUAGE = (
    " A template (Jinja, sandboxed): `{{ first_name }}`, `{{ last_name }}`, `{{ company }}`, "
    "`{{ title }}`, `{{ email }}`, custom fields by name, `{{ sender.name }}`, "
    "`{{ sender.email }}`, `{{ unsubscribe_url }}`; `{{ company | default('your team') }}` "
    "for a value a lead may lack (without a default, a missing value pauses the enrollment "
    "instead of sending); `{% if %}` and `{% for %}`, and filters such as `upper`, `title`, "
    "`trim`, `truncate`, `replace`, `join`. Refused at save, naming the line: syntax errors, "
    "unknown filters and tests, `include`/`import`/`extends`/`macro`, names starting with "
    "`_`, and calls other than `range`. A render is bounded (100,000 loop turns, 1 s of CPU, "
    "values of 1,000,000 characters, the subject one 998-character line): past a bound the "
    "enrollment pauses with `render_error: …` and the rest of the batch goes on."
)


class EmailConfig(Strict):
    """Send an email."""

    subject: Jinja | None = Field(
        default=None,
        max_length=998,
        description="One line; a follow-up without one replies in the thread (`Re: …`)."
        + _TEMPLATE_LANGUAGE,
    )
    html: Annotated[str, AfterValidator(sanitise_html)] = Field(
        min_length=1,
        max_length=500_000,
        description="The body. HTML is cleaned to what mail clients show (no scripts, event "
        "handlers or embeds); an unsubscribe footer is added unless the body places "
        "`{{ unsubscribe_url }}` itself." + _TEMPLATE_LANGUAGE,
    )
    text: Jinja | None = Field(
        default=None,
        max_length=500_000,
        description="The plain-text part; made from the HTML if left out." + _TEMPLATE_LANGUAGE,
    )
    mailbox_id: uuid.UUID | None = Field(
        None, description="Send this step from this mailbox instead of the enrollment's."
    )

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and re.search(r"[\r\n]", value):
            raise ValueError("subject must be a single line")
        return value or None


class WaitConfig(Strict):
    """Wait before the next step; at least one of the three above 0 (they add up)."""

    days: Annotated[int, Field(ge=0, le=365)] = Field(0, description="Calendar days.")
    hours: Annotated[int, Field(ge=0, le=24 * 365)] = Field(0, description="Hours.")
    business_days: Annotated[int, Field(ge=0, le=260)] = Field(
        0,
        description="Weekdays that are not public holidays (the lead's country, else the "
        "template's `holidays`).",
    )

    @model_validator(mode="after")
    def _some_wait(self) -> WaitConfig:
        if not (self.days or self.hours or self.business_days):
            raise ValueError("a wait needs days, hours or business_days above 0")
        return self


class TaskConfig(Strict):
    """Create a task for a person (a call, a LinkedIn message) and go on, or hold the
    enrollment until the task is completed."""

    title: Jinja = Field(
        min_length=1,
        max_length=300,
        description="What to do; a template, e.g. `Call {{ first_name }}`.",
    )
    description: Jinja | None = Field(None, description="Details; a template.")
    due_in_days: Annotated[int, Field(ge=0, le=365)] = Field(
        0, description="Days after the step runs that the task is due."
    )
    assignee: Email | None = Field(None, description="Who should do it (an email address).")
    wait_until_done: bool = Field(
        False,
        description="Hold the enrollment at this step until the task is completed through "
        "the API (which wakes it at once; its next email still waits for its window).",
    )
    timeout_business_days: Annotated[int, Field(ge=1, le=260)] | None = Field(
        None, description="With `wait_until_done`: stop holding after this many business days."
    )
    on_timeout: Literal["continue", "pause"] = Field(
        "continue", description="After the timeout: go on with the next step, or pause."
    )


LEAD_FIELDS = ("email", "first_name", "last_name", "company", "title", "timezone", "country")
_RULE_FIELD = r"^(" + "|".join(LEAD_FIELDS) + r"|custom_fields\.[A-Za-z0-9_]{1,64})$"


class Within(Strict):
    """A window after the email's send; days and hours add up."""

    days: Annotated[int, Field(ge=0, le=365)] = Field(0, description="Days.")
    hours: Annotated[int, Field(ge=0, le=24 * 365)] = Field(0, description="Hours.")

    @model_validator(mode="after")
    def _some(self) -> Within:
        if not (self.days or self.hours):
            raise ValueError("a window needs days or hours above 0")
        return self


class BehaviourRule(Strict):
    """What the lead did with this enrollment's emails (machine opens and clicks never count)."""

    event: Literal["opened", "clicked", "replied"] = Field(description="The lead's action.")
    step: str = Field(
        "any", description="The email step's id, or `any` for any email of this enrollment."
    )
    within: Within | None = Field(
        None,
        description="Only within this long of that email's send. Until the window closes the "
        "condition waits (an event arriving decides it at once); without a window it is "
        "decided on what happened so far.",
    )

    @field_validator("step")
    @classmethod
    def _step_id(cls, value: str) -> str:
        if value != "any":
            uuid.UUID(value)
        return value


class FieldRule(Strict):
    """A lead field or custom field compared with a value (case-insensitive)."""

    field: str = Field(
        pattern=_RULE_FIELD,
        description="`email`, `first_name`, `last_name`, `company`, `title`, `timezone`, "
        "`country` or `custom_fields.<key>`.",
    )
    op: Literal["equals", "not_equals", "contains", "exists", "not_exists", "in"] = Field(
        description="How to compare."
    )
    value: str | int | float | bool | list[str | int | float | bool] | None = Field(
        None, description="What to compare with: a list for `in`, nothing for the two `exists`."
    )

    @model_validator(mode="after")
    def _value_fits(self) -> FieldRule:
        if self.op in ("exists", "not_exists"):
            if self.value is not None:
                raise ValueError(f"{self.op} takes no value")
        elif self.op == "in":
            if not isinstance(self.value, list) or not 1 <= len(self.value) <= 100:
                raise ValueError("in takes a list of 1 to 100 values")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"{self.op} takes one value")
        return self


def _rule_kind(value: Any) -> str:
    """Which shape an item is, from its keys: errors then name the one it was meant to be."""
    keys = value.keys() if isinstance(value, dict) else vars(value).keys()
    if "event" in keys:
        return "behaviour"
    return "group" if ("all" in keys or "any" in keys) else "field"


Rule = Annotated[
    Annotated[BehaviourRule, Tag("behaviour")] | Annotated[FieldRule, Tag("field")],
    Discriminator(_rule_kind),
]


class InnerGroup(Strict):
    """A nested group: every rule (`all`) or at least one (`any`)."""

    all: list[Rule] | None = Field(None, min_length=1, max_length=20, description="All hold.")
    any: list[Rule] | None = Field(None, min_length=1, max_length=20, description="One holds.")

    @model_validator(mode="after")
    def _one_mode(self) -> InnerGroup:
        if (self.all is None) == (self.any is None):
            raise ValueError("give exactly one of all or any")
        return self


RuleOrGroup = Annotated[
    Annotated[BehaviourRule, Tag("behaviour")]
    | Annotated[FieldRule, Tag("field")]
    | Annotated[InnerGroup, Tag("group")],
    Discriminator(_rule_kind),
]


class RuleGroup(Strict):
    """The rules: every one (`all`) or at least one (`any`); an item may be one more group."""

    all: list[RuleOrGroup] | None = Field(
        None, min_length=1, max_length=20, description="All hold."
    )
    any: list[RuleOrGroup] | None = Field(
        None, min_length=1, max_length=20, description="At least one holds."
    )

    @model_validator(mode="after")
    def _one_mode(self) -> RuleGroup:
        if (self.all is None) == (self.any is None):
            raise ValueError("give exactly one of all or any")
        return self


def check_branch(value: Any) -> str:
    if value in ("next", "end"):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("must be a step id of this template, 'next' or 'end'") from None


BranchTarget = Annotated[
    str, PlainValidator(check_branch, json_schema_input_type=Literal["next", "end"] | uuid.UUID)
]
_BRANCH = "a step id of this template, `next` or `end` (by id: a reorder keeps it)."


class ConditionConfig(Strict):
    """Branch on what the lead did or what the lead's data says; the decision (which rule,
    which branch, which events it saw) is recorded on the step's execution."""

    rules: RuleGroup = Field(description="What to check.")
    if_true: BranchTarget = Field("next", description="Where to go when it holds: " + _BRANCH)
    if_false: BranchTarget = Field("end", description="Where to go otherwise: " + _BRANCH)


# What answers show for a secret; sent back on an update, it keeps the stored value.
SECRET_MASK = "********"  # noqa: S105 (not a password: the mask that stands for one)
MAX_WEBHOOK_HEADERS = 20
MAX_HEADER_VALUE = 1_000
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e\t]*")


def new_webhook_secret() -> str:
    """A signing secret for a webhook step saved without one (256 random bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


def _header_name(name: str) -> str:
    if name.lower() in RESERVED_HEADERS:
        raise ValueError(f"{name} is set by every call itself; it cannot be configured")
    return name


def _header_value(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("must be one line (no CR or LF)")
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise ValueError("must be printable ASCII")
    return value


HeaderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,100}$"), AfterValidator(_header_name)]
HeaderValue = Annotated[str, Field(max_length=MAX_HEADER_VALUE), AfterValidator(_header_value)]
_MASKED = " Answers show `********` in its place; sent back on an update, it keeps the value."


class WebhookConfig(Strict):
    """Call an HTTP endpoint with the enrollment and the lead, signed, retried with the same
    `Idempotency-Key` (docs/webhooks.md); then `on_failure` applies."""

    url: HttpUrl = Field(
        description="The http(s) URL to call. Each call resolves its host and refuses "
        "private, loopback, link-local and other non-public addresses (unless the "
        "organization's `webhook_allow` names them) and ports below 1024 but 80 and 443; "
        "redirects are not followed."
    )
    method: Literal["POST", "PUT", "PATCH"] = Field(
        "POST", description="The HTTP method; the body is JSON."
    )
    headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict,
        max_length=MAX_WEBHOOK_HEADERS,
        description=f"Extra request headers, name → value (at most {MAX_WEBHOOK_HEADERS}, "
        f"values one line of printable ASCII up to {MAX_HEADER_VALUE:,} characters). Not "
        "Content-Type, Content-Length, Transfer-Encoding, Host, Connection, Idempotency-Key "
        "or Sequences-Signature, which every call sets. Values of headers named like a "
        "credential (Authorization, X-Api-Key, …token…, …secret…) or listed in "
        "`secret_headers` are secret." + _MASKED,
    )
    secret_headers: list[str] = Field(
        default_factory=list,
        max_length=MAX_WEBHOOK_HEADERS,
        description="Names of further `headers` whose values are secret.",
    )
    secret: str = Field(
        default_factory=new_webhook_secret,
        min_length=16,
        max_length=256,
        description="Signs every call (the `Sequences-Signature` header: HMAC-SHA256 over "
        "the timestamp and body; see docs/webhooks.md). Left out, a new one is generated "
        "and shown once, in the answer's `generated_secret`." + _MASKED,
    )
    body: Jinja | None = Field(
        None,
        max_length=100_000,
        description="A template that renders to JSON, sent as the payload's `data`; the "
        "same variables and limits as an email's. A render that is not JSON fails the call."
        + _TEMPLATE_LANGUAGE,
    )
    timeout_seconds: Annotated[int, Field(ge=1, le=30)] = Field(
        10, description="Seconds one call may take, connecting to the last byte."
    )
    max_attempts: Annotated[int, Field(ge=1, le=10)] = Field(
        5, description="Calls at most: connection errors, timeouts, 429 and 5xx are retried."
    )
    max_hours: Annotated[int, Field(ge=1, le=72)] = Field(
        24, description="Hours after the first call within which retries may happen."
    )
    on_failure: Literal["continue", "pause"] = Field(
        "pause",
        description="When the call fails for good (another 4xx, a refused URL, attempts or "
        "hours spent): go on with the next step, or pause the enrollment.",
    )

    @field_validator("url")
    @classmethod
    def _callable(cls, value: HttpUrl) -> HttpUrl:
        if value.username or value.password:
            raise ValueError("must not hold credentials (user:password@): use a header")
        problem = port_problem(value.port)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("secret", mode="before")
    @classmethod
    def _not_mask(cls, value: Any) -> Any:
        if value == SECRET_MASK:
            raise ValueError("the masked value keeps a stored secret, and there is none")
        return value

    @field_validator("headers")
    @classmethod
    def _distinct(cls, value: dict[str, str]) -> dict[str, str]:
        names = [name.lower() for name in value]
        twice = sorted(name for name in value if names.count(name.lower()) > 1)
        if twice:
            raise ValueError(f"{', '.join(twice)} given more than once (names ignore case)")
        masked = [name for name, text in value.items() if text == SECRET_MASK]
        if masked:
            raise ValueError(
                f"{masked[0]}: the masked value keeps a stored secret header, and there is "
                "none of that name"
            )
        return value

    @field_validator("secret_headers")
    @classmethod
    def _marked_exist(cls, value: list[str], info: ValidationInfo) -> list[str]:
        names = {name.lower() for name in info.data.get("headers", {})}
        unknown = [name for name in value if name.lower() not in names]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of the headers")
        return value


def mask_step_config(step_type: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A step's config as answers show it: a webhook's secret and secret header values
    replaced by SECRET_MASK (they are never shown once saved)."""
    shown = dict(config)
    if step_type != StepType.WEBHOOK:
        return shown
    if "secret" in shown:
        shown["secret"] = SECRET_MASK
    marked = shown.get("secret_headers", [])
    shown["headers"] = {
        name: SECRET_MASK if is_secret_header(name, marked) else value
        for name, value in shown.get("headers", {}).items()
    }
    return shown


def keep_stored_secrets(step_type: str, raw: Any, stored: Mapping[str, Any] | None) -> Any:
    """A webhook config as sent for an update, each SECRET_MASK replaced by the stored
    secret it stands for: a client that read the step and sends it back keeps them."""
    if step_type != StepType.WEBHOOK or not isinstance(raw, dict) or not stored:
        return raw
    kept = dict(raw)
    if kept.get("secret") == SECRET_MASK and "secret" in stored:
        kept["secret"] = stored["secret"]
    marked = stored.get("secret_headers", [])
    old = {
        name.lower(): value
        for name, value in stored.get("headers", {}).items()
        if is_secret_header(name, marked)
    }
    if isinstance(kept.get("headers"), dict):
        kept["headers"] = {
            name: old.get(str(name).lower(), value) if value == SECRET_MASK else value
            for name, value in kept["headers"].items()
        }
    return kept


STEP_CONFIGS: dict[StepType, type[Strict]] = {
    StepType.EMAIL: EmailConfig,
    StepType.WAIT: WaitConfig,
    StepType.TASK: TaskConfig,
    StepType.CONDITION: ConditionConfig,
    StepType.WEBHOOK: WebhookConfig,
}


def _validated(model: type[Strict], raw: Any, prefix: str) -> Strict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("Some fields are not valid", {prefix: "must be an object"})
    return parse(model, raw, prefix)


def validate_step_config(step_type: str, raw: Any) -> dict[str, Any]:
    """Return the normalised JSON config for a step, or raise InvalidInput naming each field."""
    try:
        kind = StepType(step_type)
    except ValueError:
        allowed = ", ".join(t.value for t in StepType)
        raise InvalidInput("Unknown step type", {"type": f"must be one of {allowed}"}) from None
    return _validated(STEP_CONFIGS[kind], raw, "config").model_dump(mode="json", exclude_none=True)


def validate_template_settings(raw: Any) -> dict[str, Any]:
    return _validated(TemplateSettings, raw, "settings").model_dump(mode="json")


def template_settings(stored: dict[str, Any]) -> TemplateSettings:
    """Settings as the engine reads them (stored JSON is already validated)."""
    return TemplateSettings.model_validate(stored)


def validate_category(value: str) -> str:
    try:
        return TemplateCategory(value).value
    except ValueError:
        allowed = ", ".join(c.value for c in TemplateCategory)
        raise InvalidInput("Unknown category", {"category": f"must be one of {allowed}"}) from None


class TemplateCreate(Strict):
    name: str = Field(min_length=1, max_length=200, description="The template's name.")
    description: str | None = Field(
        default=None, max_length=5000, description="What it is for, for your team."
    )
    category: TemplateCategory = Field(TemplateCategory.CUSTOM, description="Its category.")
    settings: TemplateSettings = Field(
        default_factory=TemplateSettings, description="Scheduling, threading and tracking."
    )


class TemplateUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200, description="A new name.")
    description: str | None = Field(default=None, max_length=5000, description="A new description.")
    category: TemplateCategory | None = Field(None, description="A new category.")
    settings: TemplateSettings | None = Field(
        None, description="New settings, whole (fields left out take their defaults)."
    )


MAX_CUSTOM_FIELDS = 100
MAX_FIELD_NAME = 64
MAX_FIELD_TEXT = 2_000  # characters of one text value (or of one list item)
MAX_FIELD_ITEMS = 50  # items of one list value
MAX_CUSTOM_BYTES = 16_384  # all of a lead's custom fields, as PostgreSQL prints the JSON

_FIELD_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_]{{0,{MAX_FIELD_NAME - 1}}}")
Scalar = str | int | float | bool | None


def check_field_name(key: str) -> str:
    """A custom field is a template variable, `{{ key }}`: a plain identifier that no
    built-in variable, template function or Jinja word hides."""
    if not _FIELD_NAME.fullmatch(key):
        raise ValueError(
            f"custom field name {key[:80]!r} must start with a letter and hold only letters, "
            f"digits and _, at most {MAX_FIELD_NAME} (it is used as a template variable)"
        )
    if key in BUILT_IN_VARIABLES:
        raise ValueError(
            f"{key!r} is a built-in template variable, which would hide a custom field of "
            "that name in templates; rename the custom field"
        )
    if key in GLOBALS or key in JINJA_NAMES:
        raise ValueError(
            f"{key!r} means something else in a template, which would hide a custom field "
            "of that name; rename the custom field"
        )
    return key


def _check_scalar(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_FIELD_TEXT:
            raise ValueError(f"at most {MAX_FIELD_TEXT:,} characters (got {len(value):,})")
        return refuse_nul(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value is None or isinstance(value, bool | int | float):
        return value
    raise ValueError(
        "must be text, a number, true/false, null or a list of those (not nested: custom "
        "fields are template variables, not documents)"
    )


def check_field_value(value: Any) -> Any:
    """One custom field's value: a scalar, or a flat list of scalars. Checked without
    recursion, so a value nested a thousand levels deep is one clear error."""
    if isinstance(value, list):
        if len(value) > MAX_FIELD_ITEMS:
            raise ValueError(f"a list of at most {MAX_FIELD_ITEMS} items (got {len(value):,})")
        return [_check_scalar(item) for item in value]
    return _check_scalar(value)


_COMPACT = msgspec.json.Encoder()


def custom_fields_size(fields: Mapping[str, Any]) -> int:
    """Bytes of the (flat) fields as PostgreSQL prints jsonb, so the check on the fields
    merged in SQL (`services/leads.py`) measures the same: compact JSON in UTF-8 plus the
    space PostgreSQL writes after each `:` and `,` (msgspec: a tenth of `json.dumps`'s time,
    which was a CSV row's largest check)."""
    commas = max(len(fields) - 1, 0) + sum(
        len(value) - 1 for value in fields.values() if isinstance(value, list) and value
    )
    return len(_COMPACT.encode(fields)) + len(fields) + commas


def custom_fields_problem(fields: Mapping[str, Any]) -> str | None:
    """What makes a lead's custom fields too many or too large, if anything."""
    if len(fields) > MAX_CUSTOM_FIELDS:
        return f"at most {MAX_CUSTOM_FIELDS} custom fields (got {len(fields):,})"
    size = custom_fields_size(fields)
    if size > MAX_CUSTOM_BYTES:
        return f"custom fields take at most {MAX_CUSTOM_BYTES:,} bytes as JSON (got {size:,})"
    return None


def _count_first(value: Any) -> Any:
    """Refuse 10,000 fields as one error, before each is checked."""
    if isinstance(value, dict) and len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields (got {len(value):,})")
    return value


def _within_limits(value: dict[str, Any]) -> dict[str, Any]:
    problem = custom_fields_problem(value)
    if problem:
        raise ValueError(problem)
    return value


FieldName = Annotated[
    str,
    AfterValidator(check_field_name),
    WithJsonSchema(
        {"type": "string", "pattern": f"^{_FIELD_NAME.pattern}$", "maxLength": MAX_FIELD_NAME}
    ),
]
FieldValue = Annotated[
    Any,
    PlainValidator(
        check_field_value,
        json_schema_input_type=Scalar | Annotated[list[Scalar], Field(max_length=MAX_FIELD_ITEMS)],
    ),
]
# Each name and value checked on its own, so an error names the custom field
# (`custom_fields.<name>`); the count and the total size name `custom_fields`.
CustomFields = Annotated[
    dict[FieldName, FieldValue], BeforeValidator(_count_first), AfterValidator(_within_limits)
]


class LeadDetails(Strict):
    """What describes a lead besides its email; all optional, on create and on update."""

    first_name: str | None = Field(default=None, max_length=200, description="First name.")
    last_name: str | None = Field(default=None, max_length=200, description="Last name.")
    company: str | None = Field(default=None, max_length=300, description="Company.")
    title: str | None = Field(default=None, max_length=300, description="Job title.")
    timezone: Timezone | None = Field(
        None, description="IANA time zone the send window follows, e.g. America/New_York."
    )
    country: Country | None = Field(
        None, description="ISO 3166 code (alpha-2 or alpha-3); its public holidays are skipped."
    )


_CUSTOM_FIELDS = (
    "Your own fields, name → value; each name is a template variable (`{{ plan }}`): a "
    f"letter, then letters, digits or _, at most {MAX_FIELD_NAME}; not a built-in variable "
    "(`first_name`, `last_name`, `company`, `title`, `email`, `sender`, `unsubscribe_url`) "
    "nor `range`, `dict`, `cycler`, `joiner`, `loop`, `self`, `true`, `false`, `none`, "
    f"`not`. A value is text (at most {MAX_FIELD_TEXT:,} characters), a number, true/false, "
    f"null, or a flat list of at most {MAX_FIELD_ITEMS} of those. At most "
    f"{MAX_CUSTOM_FIELDS} fields and {MAX_CUSTOM_BYTES:,} bytes of JSON per lead."
)


class LeadIn(LeadDetails):
    email: Email = Field(description="The lead's email address (the key for updates).")
    custom_fields: CustomFields = Field(default_factory=dict, description=_CUSTOM_FIELDS)


class LeadUpdate(LeadDetails):
    email: Email | None = Field(None, description="A new email address (cannot be removed).")
    custom_fields: CustomFields | None = Field(
        None, description=_CUSTOM_FIELDS + " Merged into the lead's; a null value removes one."
    )

    @field_validator("email")
    @classmethod
    def _email_kept(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("email cannot be removed")
        return value


class MailboxCreate(Strict):
    from_email: Email = Field(description="The sender address.")
    from_name: str | None = Field(
        default=None, max_length=200, description="The sender's display name (one line)."
    )
    reply_to: Email | None = Field(None, description="Where replies go, if not `from_email`.")
    daily_limit: Annotated[int, Field(ge=1, le=100_000)] = Field(
        200, description="Emails it sends a day at most."
    )
    timezone: Timezone = Field("UTC", description="IANA time zone its day is counted in.")

    @field_validator("from_name")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return one_line(value)


def parse(model: type[M], raw: Any, prefix: str = "") -> M:
    """Validate raw input into `model`, turning pydantic errors into InvalidInput."""
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise InvalidInput.from_validation(err, prefix) from None
