"""Best-practice warnings for a template: advice the builder shows, never a refusal.

The seed's advice for outreach that gets read and does not get flagged: short subjects,
personalisation beyond the first name, at least three days between emails, at most five
emails, an unsubscribe link the email words itself, no Monday or Friday sends for cold
outreach, and variables the enrolled leads actually have. A pure function over plain
values: the steps as (type, config) and, for the last rule, counts the service made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sequences_core.rules.template_variables import ALWAYS_PRESENT, step_variables

SUBJECT_ADVICE = 50  # characters
MIN_DAYS_BETWEEN = 3
MAX_EMAILS = 5
WEEKDAY_NAMES = {1: "Monday", 5: "Friday"}


@dataclass(frozen=True)
class PlainStep:
    type: str
    config: Mapping[str, Any]


@dataclass(frozen=True)
class Lacking:
    """Of a step's variable: how many live enrollments' leads lack it, of how many."""

    position: int  # 0-based, the step's
    variable: str
    missing: int
    enrolled: int


@dataclass(frozen=True)
class Advice:
    code: str
    message: str
    step: int | None = None  # 0-based position, when it is about one step


def _emails(steps: Sequence[PlainStep]) -> list[tuple[int, PlainStep]]:
    return [(i, s) for i, s in enumerate(steps) if s.type == "email"]


def _label(position: int) -> str:
    return f"Step {position + 1}"


def long_subjects(steps: Sequence[PlainStep]) -> list[Advice]:
    return [
        Advice(
            "subject_long",
            f"{_label(i)}: the subject has {len(subject)} characters; subjects under "
            f"{SUBJECT_ADVICE} are read more often and are not cut off on phones.",
            i,
        )
        for i, s in _emails(steps)
        if len(subject := str(s.config.get("subject") or "")) > SUBJECT_ADVICE
    ]


def first_name_only(steps: Sequence[PlainStep]) -> list[Advice]:
    """Warn when the emails' only lead variable is `first_name`."""
    used: set[str] = set()
    for _, step in _emails(steps):
        used |= step_variables(step.type, dict(step.config)).all - ALWAYS_PRESENT
    if used != {"first_name"}:
        return []
    return [
        Advice(
            "first_name_only",
            "The emails are personalised by first name only; a line about the company, "
            "the role or a custom field reads less like a mass mailing.",
        )
    ]


def wait_days(config: Mapping[str, Any]) -> float:
    """A wait's length in days (a business day counts as at least one day)."""
    return (
        int(config.get("days", 0))
        + int(config.get("hours", 0)) / 24
        + int(config.get("business_days", 0))
    )


def _days(count: float) -> str:
    return f"{count:g} day" + ("" if count == 1 else "s")


def close_emails(steps: Sequence[PlainStep]) -> list[Advice]:
    """Emails following the previous one (in step order) by less than MIN_DAYS_BETWEEN."""
    found: list[Advice] = []
    gap: float | None = None  # days since the last email; None before the first
    for i, step in enumerate(steps):
        if step.type == "wait" and gap is not None:
            gap += wait_days(step.config)
        elif step.type == "email":
            if gap is not None and gap < MIN_DAYS_BETWEEN:
                found.append(
                    Advice(
                        "emails_close",
                        f"{_label(i)} follows the previous email after {_days(gap)}; leave "
                        f"at least {MIN_DAYS_BETWEEN} days between emails.",
                        i,
                    )
                )
            gap = 0.0
    return found


def too_many_emails(steps: Sequence[PlainStep]) -> list[Advice]:
    count = len(_emails(steps))
    if count <= MAX_EMAILS:
        return []
    return [
        Advice(
            "too_many_emails",
            f"The sequence has {count} emails; after {MAX_EMAILS} replies rarely come and "
            "complaints do.",
        )
    ]


def no_unsubscribe(steps: Sequence[PlainStep]) -> list[Advice]:
    return [
        Advice(
            "no_unsubscribe",
            f"{_label(i)} has no unsubscribe link of its own ({{{{ unsubscribe_url }}}}); a "
            "standard footer is added when it is sent.",
            i,
        )
        for i, s in _emails(steps)
        if "unsubscribe_url" not in str(s.config.get("html", ""))
    ]


def monday_friday(category: str, window_days: Sequence[int]) -> list[Advice]:
    days = [WEEKDAY_NAMES[d] for d in sorted(set(window_days)) if d in WEEKDAY_NAMES]
    if category != "cold_outreach" or not days:
        return []
    return [
        Advice(
            "cold_monday_friday",
            f"Cold outreach sends on {' and '.join(days)}; untouched inboxes of Monday and "
            "the end-of-week rush of Friday answer least. Send Tuesday to Thursday.",
        )
    ]


def lacking_variables(lacking: Sequence[Lacking]) -> list[Advice]:
    return [
        Advice(
            "leads_lack_variable",
            f"{_label(item.position)} uses {{{{ {item.variable} }}}} without a default: "
            f"{item.missing} of {item.enrolled} enrolled leads lack it and would pause there.",
            item.position,
        )
        for item in lacking
        if item.missing > 0
    ]


def best_practice_warnings(
    category: str,
    window_days: Sequence[int],
    steps: Sequence[PlainStep],
    lacking: Sequence[Lacking] = (),
) -> list[Advice]:
    """Every warning for a template, template-wide ones first, then by step."""
    found = [
        *first_name_only(steps),
        *too_many_emails(steps),
        *monday_friday(category, window_days),
        *long_subjects(steps),
        *close_emails(steps),
        *no_unsubscribe(steps),
        *lacking_variables(lacking),
    ]
    return sorted(found, key=lambda w: -1 if w.step is None else w.step)
