"""Template settings and step configs: bad values are rejected naming the field."""

from __future__ import annotations

import pytest

from sequences_core.errors import InvalidInput
from sequences_core.schemas import validate_step_config, validate_template_settings


def fields_of(fn, *args) -> dict[str, str]:
    with pytest.raises(InvalidInput) as info:
        fn(*args)
    return info.value.fields


def test_settings_defaults_and_normalisation():
    settings = validate_template_settings({"holidays": "de", "send_window": {"days": [3, 1, 1]}})
    assert settings["holidays"] == "DE"
    assert settings["send_window"] == {"start": "09:00:00", "end": "17:00:00", "days": [1, 3]}
    assert settings["pause_on_reply"] is True and settings["tracking"] == {
        "opens": True,
        "clicks": True,
    }


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"timezone": "Mars/Base"}, "settings.timezone", "unknown time zone"),
        ({"holidays": "XX"}, "settings.holidays", "no holiday calendar"),
        (
            {"send_window": {"start": "18:00", "end": "09:00"}},
            "settings.send_window",
            "end must be after",
        ),
        (
            {"send_window": {"days": [0]}},
            "settings.send_window.days.0",
            "greater than or equal to 1",
        ),
        ({"daily_limit": 0}, "settings.daily_limit", "greater than or equal to 1"),
        ({"pause_on_reply": "perhaps"}, "settings.pause_on_reply", "boolean"),
        ({"colour": "red"}, "settings.colour", "Extra inputs"),
    ],
)
def test_bad_settings_name_the_field(raw, field, words):
    assert words in fields_of(validate_template_settings, raw)[field]


@pytest.mark.parametrize(
    ("kind", "raw", "field", "words"),
    [
        ("email", {"html": ""}, "config.html", "at least 1 character"),
        ("email", {"subject": "a\nb", "html": "x"}, "config.subject", "single line"),
        ("email", {"html": "{% for x in y %}", "subject": "s"}, "config.html", "line 1"),
        ("email", {"html": "x", "mailbox_id": "nope"}, "config.mailbox_id", "UUID"),
        ("wait", {}, "config", "above 0"),
        ("wait", {"days": -1}, "config.days", "greater than or equal to 0"),
        ("task", {"title": "Call", "assignee": "bob"}, "config.assignee", "email"),
        (
            "condition",
            {"rules": {"all": [{"event": "teleported"}]}},
            "config.rules.all.0.behaviour.event",
            "Input should be",
        ),
        (
            "condition",
            {"rules": {"all": [{"event": "opened"}]}, "if_true": 2},
            "config.if_true",
            "step id",
        ),
        (
            "condition",
            {"rules": {"any": [{"field": "custom_fields.tier", "op": "in", "value": "gold"}]}},
            "config.rules.any.0.field",
            "list",
        ),
        ("webhook", {"url": "javascript:alert(1)"}, "config.url", "URL"),
        ("webhook", {"url": "https://x.io", "method": "TRACE"}, "config.method", "Input should be"),
        (
            "webhook",
            {"url": "https://x.io", "headers": {"Bad Header": "v"}},
            "config.headers.Bad Header",
            "pattern",
        ),
        ("webhook", {"url": "https://x.io", "secret": "short"}, "config.secret", "at least 16"),
        ("sms", {}, "type", "must be one of"),
    ],
)
def test_bad_step_configs_name_the_field(kind, raw, field, words):
    fields = fields_of(validate_step_config, kind, raw)
    assert field in fields, fields
    assert words in fields[field]


def test_good_step_configs_normalise():
    assert validate_step_config("wait", {"business_days": 3}) == {
        "days": 0,
        "hours": 0,
        "business_days": 3,
    }
    webhook = validate_step_config("webhook", {"url": "https://hooks.example.com/x"})
    assert webhook["method"] == "POST" and webhook["url"] == "https://hooks.example.com/x"
    assert fields_of(validate_step_config, "email", "not a dict") == {"config": "must be an object"}


@pytest.mark.parametrize(("given", "stored"), [("deu", "DE"), ("UK", "GB"), (" us ", "US")])
def test_country_codes_are_stored_as_alpha_2(given, stored):
    """leads.country is two characters: alpha-3 codes and aliases become alpha-2."""
    assert validate_template_settings({"holidays": given})["holidays"] == stored
