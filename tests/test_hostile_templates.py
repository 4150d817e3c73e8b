"""Hostile templates: refused at save naming the line, and bounded at render, where one that
slipped past (saved before a rule existed) pauses only its own enrollment."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from sequences_core.db.models import SequenceEnrollment, SequenceStepExecution
from sequences_core.errors import InvalidInput
from sequences_core.rules.render import Renderer
from sequences_core.rules.template_sandbox import RenderFailed, check_template
from sequences_core.schemas import LeadIn, validate_step_config
from sequences_core.services.cycle import run_cycle
from sequences_core.services.organizations import create_organization
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, context, email_step, enrol, mailbox, sequence

NAMES = "abcdefghijklmnopqr"
ESCAPES = {
    "dunder": "<p>{{ ''.__class__.__mro__ }}</p>",
    "globals": "{{ cycler.__init__.__globals__ }}",
    "attr filter": "{{ first_name|attr('__class__') }}",
    "format": "{{ '{0.__class__}'.format(first_name) }}",
    "include": "{% include 'secrets.html' %}",
    "import": "{% import 'x' as y %}{{ y }}",
    "extends": "{% extends 'base.html' %}",
    "recursive macro": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "unknown filter": "{{ first_name|no_such_filter }}",
}
HARMLESS_AT_RENDER = {  # refused at save; at render the sandbox answers undefined, no leak
    "map to dunder": "{{ [first_name]|map(attribute='__class__')|list }}",
}
RUNAWAYS = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "loops over lead data": "{% for a in first_name %}{% for b in first_name %}"
    "{% for c in first_name %}{% for d in first_name %}x{% endfor %}{% endfor %}{% endfor %}"
    "{% endfor %}",
    "string times a power": "{{ 'x' * 10**7 }}",
    "huge join": "{{ range(100000)|join(',') * 100 }}",
    "doubling": "{% set a = 'xxxxxxxxxxxxxxxx' %}"
    + "".join(f"{{% set {c} = {p} ~ {p} %}}" for p, c in itertools.pairwise(NAMES))
    + "{{ r }}",
    "replace growth": "{{ 'x'" + "|replace('x', 'xxxxxxxxxx')" * 8 + " }}",
    "percent format": "{{ '%100000000s' % 'x' }}",
    "wide indent": "{{ first_name|indent(100000000) }}",
    "division by zero": "{{ 1 / 0 }}",
}
LEAD = {"first_name": "Ann" * 30, "email": "ann@lead.example"}


@pytest.mark.parametrize(
    "source", [*ESCAPES.values(), *HARMLESS_AT_RENDER.values()], ids=[*ESCAPES, *HARMLESS_AT_RENDER]
)
def test_escapes_are_refused_at_save_naming_field_and_line(source):
    html = f"<p>Hello</p>\n<p>again</p>\n{source}"
    with pytest.raises(InvalidInput) as refused:
        validate_step_config("email", {"subject": "Hi", "html": html})
    assert "line 3" in refused.value.fields["config.html"]
    with pytest.raises(InvalidInput) as subject:
        validate_step_config("email", {"subject": source.replace("\n", " "), "html": "<p>x</p>"})
    assert "config.subject" in subject.value.fields


@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", [*ESCAPES.values(), *RUNAWAYS.values()],
                         ids=[*ESCAPES, *RUNAWAYS])  # fmt: skip
def test_every_hostile_template_fails_its_render_with_a_reason(source):
    """As a template saved before the rules would: each ends in RenderFailed, quickly."""
    with pytest.raises(RenderFailed) as failed:
        Renderer().render(uuid.uuid4(), 1, {"subject": "Hi", "html": source}, LEAD)
    assert failed.value.reason


def test_an_attribute_by_name_reaches_no_internals():
    [source] = HARMLESS_AT_RENDER.values()
    rendered = Renderer().render(uuid.uuid4(), 1, {"subject": "Hi", "html": source}, LEAD)
    assert "class" not in rendered.html and "type" not in rendered.html


def test_what_email_templates_need_still_works():
    source = (
        "<p>Hi {{ first_name|default('there')|title }},</p>"
        "{% if company %}<p>{{ company|upper|truncate(20) }}</p>{% endif %}"
        "{% for item in ['a', 'b'] %}<i>{{ loop.index }}{{ item }}</i>{% endfor %}"
        "{% set who = sender.name ~ ' at ' ~ company %}<p>{{ who|replace('Acme', 'ACME') }}</p>"
        "{% for i in range(3) %}{{ i }}{% endfor %}{{ ['x', 'y']|join(', ') }}"
    )
    check_template(source)
    rendered = Renderer().render(
        uuid.uuid4(), 1, {"subject": "For {{ company }}", "html": source},
        {"first_name": "ann", "company": "Acme", "sender": {"name": "Dana"}},
    )  # fmt: skip
    assert "Hi Ann" in rendered.html and "ACME" in rendered.html
    assert "<i>1a</i><i>2b</i>" in rendered.html and "Dana at ACME" in rendered.html
    assert "012" in rendered.html and "x, y" in rendered.html


def test_a_subject_past_one_header_line_fails_the_render():
    with pytest.raises(RenderFailed, match="subject"):
        Renderer().render(uuid.uuid4(), 1, {"subject": "{{ first_name * 40 }}", "html": "x"}, LEAD)


def break_template(uow, template_id: uuid.UUID, html: str) -> None:
    """Store a step body the way an old release (or a hand edit) could have."""
    uow.session.execute(
        text("UPDATE sequence_steps SET config = jsonb_set(config, '{html}', to_jsonb("
             "CAST(:html AS text))), version = version + 1 WHERE template_id = :t"),
        {"html": html, "t": template_id},
    )  # fmt: skip
    uow.commit()


@pytest.mark.timeout(120)
def test_three_bad_templates_among_fifty_good_across_two_orgs(uow, new_uow, tmp_path):
    now = datetime.now(UTC)
    orgs = [create_organization(uow, name).organization.id for name in ("Acme", "Rival")]
    bad: dict[uuid.UUID, str] = {}
    for org, good in zip(orgs, (30, 20), strict=True):
        mailbox(uow, org)
        template = sequence(uow, org, [email_step("Hi")], **ALWAYS)
        leads = [LeadIn(email=f"g{i}@{org.hex[:6]}.example", first_name="G") for i in range(good)]
        enrol(uow, org, template, leads, now)
    for name in ("dunder", "nested loops", "huge join"):
        template = sequence(uow, orgs[0], [email_step("Hi")], **ALWAYS)
        source = ESCAPES.get(name) or RUNAWAYS[name]
        break_template(uow, template, source)
        [lead] = enrol(uow, orgs[0], template, [LeadIn(email=f"{name[:4]}@x.example")], now)
        bad[lead] = name

    summary = run_cycle(new_uow, context(tmp_path, FakeClock(now))).dispatch

    assert (summary.sent, summary.paused) == (50, 3)
    with new_uow() as read:
        paused = read.session.execute(
            select(SequenceEnrollment.lead_id, SequenceEnrollment.paused_reason).where(
                SequenceEnrollment.status == "paused"
            )
        ).all()
        failed = read.session.scalars(
            select(SequenceStepExecution.error).where(SequenceStepExecution.status == "failed")
        ).all()
    assert {lead for lead, _ in paused} == set(bad)
    assert all(reason.startswith("render_error: ") for _, reason in paused)
    assert sorted(failed) == sorted(reason for _, reason in paused)
