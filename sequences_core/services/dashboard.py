"""The organization's dashboard: how sending goes (cards and 30 days of sends and replies, by
local day of the organization's zone) and what needs an operator (paused mailboxes and why,
the reputation guard against SES's review lines, enrollments paused for a missing variable,
emails whose delivery is unknown after a crash, failing webhooks), with its busiest templates.

Rates exclude machine opens and clicks, as everywhere; they are over the last `PERIOD_DAYS`,
the chart's span, so the cards and the chart read the same days.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sequences_core.db import metrics_sql as sql
from sequences_core.db.models import Organization
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.mailboxes import list_mailboxes
from sequences_core.services.metrics import fraction
from sequences_core.services.reputation import (
    MAX_BOUNCE_RATE,
    MAX_COMPLAINT_RATE,
    MIN_SENDS,
    Standing,
    reputation_report,
)

PERIOD_DAYS = 30
WEBHOOK_WINDOW = timedelta(days=7)
TEMPLATE_ROWS = 20
NEAR = 0.5  # a rate at half its line or more is worth a look before the guard acts


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant a local day starts in `zone` (23 or 25 hours apart across DST)."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


@dataclass(frozen=True)
class Cards:
    active_enrollments: int
    paused_enrollments: int
    sent_today: int
    sent_this_week: int  # since Monday 00:00 in the organization's zone
    sent: int  # in the period
    open_rate: float
    click_rate: float
    reply_rate: float
    bounce_rate: float
    complaint_rate: float
    unsubscribe_rate: float
    meetings: int
    machine_events: int


@dataclass(frozen=True)
class DayCount:
    day: date
    sent: int
    replies: int


@dataclass(frozen=True)
class Guard:
    """A mailbox's or the organization's standing against the guard's lines."""

    kind: str  # "organization" or "mailbox"
    name: str
    sent: int
    bounce_rate: float
    complaint_rate: float
    paused_reason: str | None
    counted_since: datetime
    state: str  # see guard_state


def guard_state(sent: int, bounce_rate: float, complaint_rate: float, paused: bool) -> str:
    """`paused`; `over` a line (the guard pauses it on its next run); `near` a line (half of
    it or more); `few` sends (under the guard's minimum: it does not judge yet); or `ok`."""
    if paused:
        return "paused"
    share = max(bounce_rate / MAX_BOUNCE_RATE, complaint_rate / MAX_COMPLAINT_RATE)
    if sent < MIN_SENDS:
        return "few"
    if share >= 1:
        return "over"
    return "near" if share >= NEAR else "ok"


def _guard(kind: str, standing: Standing) -> Guard:
    v = standing.verdict
    state = guard_state(v.sent, v.bounce_rate, v.complaint_rate, standing.paused_reason is not None)
    return Guard(
        kind, standing.name, v.sent, v.bounce_rate, v.complaint_rate,
        standing.paused_reason, standing.counted_since, state,
    )  # fmt: skip


@dataclass(frozen=True)
class PausedMailbox:
    id: uuid.UUID
    from_email: str
    reason: str


@dataclass(frozen=True)
class MissingVariables:
    template_id: uuid.UUID
    template_name: str
    enrollments: int
    example: str  # one of the reasons, e.g. "missing_variable: company"


@dataclass(frozen=True)
class UnknownEmails:
    """A template's emails left `unknown` by a crash: nothing settles them but a provider event
    or a person, so they are listed until one does."""

    template_id: uuid.UUID
    template_name: str
    emails: int
    oldest: datetime
    reason: str | None  # the latest such execution's error


@dataclass(frozen=True)
class FailingWebhook:
    template_id: uuid.UUID
    template_name: str
    position: int
    failures: int
    last_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class Attention:
    organization_paused: str | None
    paused_mailboxes: list[PausedMailbox]
    guard: list[Guard]
    missing_variables: list[MissingVariables]
    failing_webhooks: list[FailingWebhook]
    unknown_emails: list[UnknownEmails]
    bounce_line: float = MAX_BOUNCE_RATE
    complaint_line: float = MAX_COMPLAINT_RATE
    webhook_since: datetime | None = None

    @property
    def count(self) -> int:
        """Items that need someone: pauses, lines crossed or near, stuck enrollments, failures."""
        flagged = [g for g in self.guard if g.state in ("over", "near")]
        return (
            (self.organization_paused is not None) + len(self.paused_mailboxes) + len(flagged)
            + len(self.missing_variables) + len(self.failing_webhooks) + len(self.unknown_emails)
        )  # fmt: skip


@dataclass(frozen=True)
class TemplateRow:
    """A live template's activity over the period, its rates per email sent."""

    template_id: uuid.UUID
    name: str
    active_enrollments: int
    sent: int
    reply_rate: float
    open_rate: float
    bounce_rate: float


@dataclass(frozen=True)
class Dashboard:
    zone: str
    now: datetime
    period_start: datetime
    cards: Cards
    daily: list[DayCount]
    attention: Attention
    templates: list[TemplateRow]


def _cards(uow: UnitOfWork, org_id: uuid.UUID, zone: str, now: datetime, since: datetime) -> Cards:
    today = now.astimezone(ZoneInfo(zone)).date()
    week = local_midnight(today - timedelta(days=today.weekday()), zone)
    params = {"org": org_id, "since": since, "until": now, "zone": zone}
    sent_today, sent_week = uow.session.execute(
        sql.SENT_SINCE, params | {"today": local_midnight(today, zone), "week": week}
    ).one()
    sent, opened, clicked, replies, bounces, complaints, unsubscribes, meetings, machine = (
        int(n) for n in uow.session.execute(sql.ORG_ACTIVITY, params).one()
    )
    statuses = {str(s): int(n) for s, n in uow.session.execute(sql.ENROLLMENT_STATUS, params)}
    return Cards(
        active_enrollments=statuses.get("active", 0),
        paused_enrollments=statuses.get("paused", 0),
        sent_today=int(sent_today), sent_this_week=int(sent_week), sent=sent,
        open_rate=fraction(opened, sent), click_rate=fraction(clicked, sent),
        reply_rate=fraction(replies, sent), bounce_rate=fraction(bounces, sent),
        complaint_rate=fraction(complaints, sent), unsubscribe_rate=fraction(unsubscribes, sent),
        meetings=meetings, machine_events=machine,
    )  # fmt: skip


def daily(
    uow: UnitOfWork, org_id: uuid.UUID, zone: str, now: datetime, days: int = PERIOD_DAYS
) -> list[DayCount]:
    """Sends and replies for each of the last `days` local days, today last, zeros included."""
    today = now.astimezone(ZoneInfo(zone)).date()
    first = today - timedelta(days=days - 1)
    params = {"org": org_id, "zone": zone, "since": local_midnight(first, zone), "until": now}
    found = {day: (int(s), int(r)) for day, s, r in uow.session.execute(sql.DAILY, params)}
    span = (first + timedelta(days=i) for i in range(days))
    return [DayCount(d, *found.get(d, (0, 0))) for d in span]


def templates(
    uow: UnitOfWork, org_id: uuid.UUID, since: datetime, now: datetime, limit: int = TEMPLATE_ROWS
) -> list[TemplateRow]:
    """The live (not archived) templates with the most emails sent since `since`, in one
    statement over the same event index as the cards, so the list costs what a card does."""
    params = {"org": org_id, "since": since, "until": now, "limit": limit}
    rows = uow.session.execute(sql.TEMPLATE_ROWS, params)
    return [
        TemplateRow(
            tid,
            name,
            int(active),
            int(sent),
            reply_rate=fraction(int(replies), int(sent)),
            open_rate=fraction(int(opened), int(sent)),
            bounce_rate=fraction(int(bounces), int(sent)),
        )
        for tid, name, active, sent, opened, replies, bounces in rows
    ]


def attention(uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> Attention:
    """What an operator should look at now: each list is a kind of sending held until someone
    acts (a pause, a stuck variable, an unsettled email) or about to be (the guard's lines)."""
    params = {"org": org_id, "since": now - WEBHOOK_WINDOW}
    standing = reputation_report(uow, org_id, now)
    paused = [
        PausedMailbox(m.id, m.from_email, m.paused_reason or "paused")
        for m in list_mailboxes(uow, org_id)
        if m.status == "paused"
    ]
    return Attention(
        organization_paused=standing.organization.paused_reason,
        paused_mailboxes=paused,
        guard=[_guard("organization", standing.organization)]
        + [_guard("mailbox", s) for s in standing.mailboxes],
        missing_variables=[
            MissingVariables(tid, name, int(n), reason)
            for tid, name, n, reason in uow.session.execute(sql.MISSING_VARIABLE, params)
        ],
        failing_webhooks=[
            FailingWebhook(tid, name, position, int(n), last, error)
            for tid, name, position, n, last, error in uow.session.execute(
                sql.FAILING_WEBHOOKS, params
            )
        ],
        unknown_emails=[
            UnknownEmails(tid, name, int(n), oldest, reason)
            for tid, name, n, oldest, reason in uow.session.execute(sql.UNKNOWN_EMAILS, params)
        ],
        webhook_since=now - WEBHOOK_WINDOW,
    )


def dashboard(uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> Dashboard:
    """Everything the dashboard shows for one organization, its days in the org's zone."""
    zone = uow.session.get_one(Organization, org_id).timezone
    series = daily(uow, org_id, zone, now)
    since = local_midnight(series[0].day, zone)
    return Dashboard(
        zone=zone,
        now=now,
        period_start=since,
        cards=_cards(uow, org_id, zone, now, since),
        daily=series,
        attention=attention(uow, org_id, now),
        templates=templates(uow, org_id, since, now),
    )
