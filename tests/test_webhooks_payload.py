"""The webhook body: ids, the lead's fields, and the step's template rendered to JSON in the
email's sandbox."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from sequences_core.rules.render import MissingVariable, Renderer
from sequences_core.rules.template_sandbox import RenderFailed
from sequences_core.webhooks.payload import BodyNotJson, StepRun, build_body


@dataclass
class Lead:
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    email: str = "ada@example.com"
    first_name: str | None = "Ada"
    last_name: str | None = "Lovelace"
    company: str | None = "Analytical"
    title: str | None = None
    timezone: str | None = "Europe/London"
    country: str | None = "GB"
    custom_fields: dict[str, Any] = field(default_factory=lambda: {"plan": "pro", "seats": 12})


RUN = StepRun(
    organization_id=uuid.uuid4(), template_id=uuid.uuid4(), step_id=uuid.uuid4(), step_version=1,
    enrollment_id=uuid.uuid4(), execution_id=uuid.uuid4(), attempt=2,
)  # fmt: skip


def body(template: str | None, lead: Lead | None = None, **extra: Any) -> Any:
    return json.loads(build_body(RUN, lead or Lead(), template, Renderer(), extra or None))


def test_the_body_names_everything_a_receiver_needs():
    lead = Lead()
    got = body(None, lead)
    assert got == {
        "event": "sequence.step",
        "organization_id": str(RUN.organization_id), "template_id": str(RUN.template_id),
        "step_id": str(RUN.step_id), "enrollment_id": str(RUN.enrollment_id),
        "lead_id": str(lead.id), "execution_id": str(RUN.execution_id), "attempt": 2,
        "lead": {
            "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
            "company": "Analytical", "title": None, "timezone": "Europe/London",
            "country": "GB", "custom_fields": {"plan": "pro", "seats": 12},
        },
    }  # fmt: skip


def test_the_template_renders_with_the_emails_variables_into_data():
    template = (
        '{"name": {{ (first_name ~ " " ~ last_name) | tojson }}, "plan": {{ plan | tojson }},'
        ' "seats": {{ seats }}, "title": {{ title | default("none") | tojson }},'
        ' "from": {{ sender.name | tojson }}}'
    )
    got = body(template, sender={"name": "Dana", "email": "dana@acme.example"})
    assert got["data"] == {
        "name": "Ada Lovelace", "plan": "pro", "seats": 12, "title": "none", "from": "Dana",
    }  # fmt: skip


def test_lead_data_cannot_break_out_of_a_json_string_through_tojson():
    lead = Lead(first_name='Ada", "admin": true, "x": "')
    assert body('{"name": {{ first_name | tojson }}}', lead)["data"] == {
        "name": 'Ada", "admin": true, "x": "'
    }


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ('{"name": "{{ first_name }}",}', "line 1 column"),
        ("hello {{ first_name }}", "Expecting value"),
        ('{"n": NaN}', "NaN is not JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('"\\ud800"', "surrogate"),
    ],
)
def test_a_body_that_is_not_json_is_a_clear_permanent_failure(template, words):
    with pytest.raises(BodyNotJson) as failed:
        body(template)
    assert failed.value.reason.startswith("body_not_json: ") and words in failed.value.reason


def test_missing_variables_and_sandbox_limits_fail_as_for_an_email():
    with pytest.raises(MissingVariable):
        body('{"x": "{{ nickname }}"}')
    with pytest.raises(RenderFailed):
        body("{% for i in range(1000000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}")
