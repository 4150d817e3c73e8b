"""The builder's best-practice warnings and the template-variable reading they rest on:
pure functions, tested without a database (Hypothesis for the counting rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sequences_core.rules.best_practice import (
    MAX_EMAILS,
    MIN_DAYS_BETWEEN,
    SUBJECT_ADVICE,
    Lacking,
    PlainStep,
    best_practice_warnings,
    close_emails,
    long_subjects,
    too_many_emails,
)
from sequences_core.rules.template_variables import step_variables, used_variables

UNSUB = '<a href="{{ unsubscribe_url }}">Unsubscribe</a>'


def email(subject: str = "Hi", html: str = f"<p>Hi {{{{ company }}}}</p>{UNSUB}") -> PlainStep:
    return PlainStep("email", {"subject": subject, "html": html})


def wait(days: int = 0, hours: int = 0, business_days: int = 0) -> PlainStep:
    return PlainStep("wait", {"days": days, "hours": hours, "business_days": business_days})


def codes(steps: list[PlainStep], category: str = "custom", days=(2, 3, 4)) -> list[str]:
    return [w.code for w in best_practice_warnings(category, list(days), steps)]


def test_a_sequence_written_to_the_advice_has_no_warnings():
    assert codes([email(), wait(days=3), email(), wait(business_days=4), email()]) == []


@given(st.text(max_size=120))
def test_a_subject_is_long_exactly_past_the_advice(subject):
    found = long_subjects([email(subject=subject)])
    assert bool(found) == (len(subject) > SUBJECT_ADVICE)
    if found:
        assert f"has {len(subject)} characters" in found[0].message and found[0].step == 0


@given(st.integers(0, 12))
def test_more_than_five_emails(count):
    found = too_many_emails([email()] * count)
    assert bool(found) == (count > MAX_EMAILS)
    if found:
        assert f"has {count} emails" in found[0].message


@given(st.integers(0, 6), st.integers(0, 100), st.integers(0, 6))
def test_emails_closer_than_three_days(days, hours, business_days):
    steps = [
        email(),
        wait(days, hours),
        PlainStep("task", {"title": "x"}),
        wait(0, 0, business_days),
        email(),
    ]
    gap = days + hours / 24 + business_days
    found = close_emails(steps)
    assert bool(found) == (gap < MIN_DAYS_BETWEEN)
    if found:
        assert found[0].step == 4 and found[0].message.startswith("Step 5 follows")


def test_the_first_email_and_lone_emails_are_not_close():
    assert close_emails([wait(days=0, hours=1), email()]) == []
    assert [w.step for w in close_emails([email(), email(), wait(days=5), email()])] == [1]


def test_personalised_only_by_first_name():
    only_first = email(html=f"<p>Hi {{{{ first_name }}}}</p>{UNSUB}")
    assert "first_name_only" in codes([only_first])
    # the sender and the unsubscribe link are not personalisation; a company line is
    assert "first_name_only" not in codes([only_first, email()])
    assert "first_name_only" not in codes([email(html="<p>Hello</p>" + UNSUB)])


def test_no_unsubscribe_link_of_its_own():
    found = best_practice_warnings("custom", [2], [email(html="<p>{{ company }}</p>")])
    assert [(w.code, w.step) for w in found] == [("no_unsubscribe", 0)]


def test_cold_outreach_on_mondays_and_fridays_only():
    assert codes([email()], "cold_outreach", [1, 2, 3, 4, 5]) == ["cold_monday_friday"]
    assert codes([email()], "cold_outreach", [2, 3, 4]) == []
    assert codes([email()], "nurture", [1, 5]) == []
    [found] = best_practice_warnings("cold_outreach", [5, 3], [])
    assert "on Friday;" in found.message


def test_leads_lacking_a_variable_are_counted_in_words():
    found = best_practice_warnings(
        "custom", [3], [email()], [Lacking(0, "plan", 4, 10), Lacking(0, "company", 0, 10)]
    )
    assert [w.message for w in found] == [
        "Step 1 uses {{ plan }} without a default: 4 of 10 enrolled leads lack it and would "
        "pause there."
    ]


def test_template_wide_warnings_come_first_then_by_step():
    steps = [email(subject="x" * 60), email()] + [email()] * 5
    found = best_practice_warnings("custom", [3], steps)
    assert found[0].step is None and [w.step for w in found[1:]] == sorted(
        w.step for w in found[1:]
    )


def test_required_variables_are_those_without_a_fallback():
    used = used_variables(
        "{{ first_name }} {{ plan | default('x') }} {% if company %}{{ company }}{% endif %}"
        "{% for i in items %}{{ i }}{% endfor %} {{ sender.name }} {{ range(2) | list }}"
    )
    assert used.required == {"first_name", "items", "sender"}
    assert used.optional == {"plan", "company"}
    assert used_variables("{{ broken") == used_variables("")


def test_a_step_needs_a_variable_if_any_part_needs_it():
    found = step_variables(
        "email",
        {"subject": "{{ plan | d('x') }}", "html": "{{ plan }}", "text": "{{ seats|default(1) }}"},
    )
    assert found.required == {"plan"} and found.optional == {"seats"}
    assert step_variables("wait", {"days": 3}).all == frozenset()
