"""Rendering, tracking rewrite and tokens: pure, no database."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from sequences_core.render import (
    MissingVariable,
    Renderer,
    TrackingLinks,
    add_tracking,
    lead_variables,
)
from sequences_core.tokens import Tokens

STEP = uuid.uuid4()


def render(config, variables, **kw):
    return Renderer().render(STEP, 1, config, variables, **kw)


def test_variables_defaults_and_custom_fields():
    v = lead_variables({"first_name": "Ann", "company": "", "last_name": None}, {"plan": "pro"})
    out = render(
        {
            "subject": "Hi {{ first_name }} ({{ plan }})",
            "html": "<p>{{ company | default('your team') }}</p>",
        },
        v,
    )
    assert out.subject == "Hi Ann (pro)"
    assert "<p>your team</p>" in out.html  # empty company counts as missing
    assert out.text.strip() == "your team"


def test_missing_variable_without_default_names_it():
    with pytest.raises(MissingVariable) as info:
        render(
            {"subject": "Hi", "html": "<p>{{ first_name }} at {{ company }}</p>"},
            {"first_name": "Ann"},
        )
    assert info.value.name == "company"
    assert str(info.value) == "missing_variable: company"


def test_html_escapes_lead_data_but_subject_does_not():
    out = render(
        {"subject": "{{ company }}", "html": "<p>{{ company }}</p>"},
        {"company": "<b>Smith & Sons</b>"},
    )
    assert out.subject == "<b>Smith & Sons</b>"
    assert "&lt;b&gt;Smith &amp; Sons&lt;/b&gt;" in out.html


def test_sandbox_blocks_attribute_escape():
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        render({"subject": "x", "html": "{{ ''.__class__.__mro__ }}"}, {})


def test_compiled_templates_are_cached_per_step_version():
    renderer = Renderer()
    renderer.render(STEP, 1, {"subject": "a", "html": "one"}, {})
    cached = renderer.render(STEP, 1, {"subject": "a", "html": "two"}, {})
    fresh = renderer.render(STEP, 2, {"subject": "a", "html": "two"}, {})
    assert (cached.html, fresh.html) == ("one", "two")


def test_tracking_rewrites_links_and_binds_them():
    tokens = Tokens("secret")
    eid = uuid.uuid4()
    html = (
        "<p><a href=\"https://x.io/a?b=1&amp;c=2\">one</a> <a href='http://y.io'>two</a>"
        ' <a href="mailto:a@b.c">mail</a> <a href="https://x.io/unsub">u</a></p></body>'
    )
    out = add_tracking(
        html,
        TrackingLinks(eid, "https://t.example", tokens, True, True),
        skip=lambda url: url.endswith("/unsub"),
    )
    assert "mailto:a@b.c" in out and 'href="https://x.io/unsub"' in out
    links = [
        part.split('"')[0].split("'")[0]
        for part in out.split("https://t.example/api/sequences/track/click?")[1:]
    ]
    assert len(links) == 2
    first = parse_qs(urlparse("?" + links[0].replace("&amp;", "&")).query)
    assert first["url"] == ["https://x.io/a?b=1&c=2"]
    click = tokens.read_click(first["eid"][0], "https://x.io/a?b=1&c=2")
    assert click is not None and (click.execution_id, click.link_index) == (eid, 0)
    assert tokens.read_click(first["eid"][0], "https://evil.example") is None  # no open redirect
    assert out.index("track/open?eid=") < out.index("</body>")


def test_tokens_reject_tampering_and_other_keys():
    tokens, other = Tokens("one"), Tokens("two")
    eid = uuid.uuid4()
    good = tokens.open_token(eid)
    assert tokens.read_open(good) == eid
    assert tokens.read_open(good[:-2] + "xx") is None
    spellings = {
        good[:-1] + c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    }
    assert [t for t in spellings if tokens.read_open(t) is not None] == [good]  # one spelling only
    assert other.read_open(good) is None
    assert tokens.read_click(tokens.open_token(eid), "https://x") is None  # purposes do not mix
    unsub = tokens.unsubscribe_token(uuid.uuid4(), uuid.uuid4(), None)
    assert tokens.read_unsubscribe(unsub).execution_id is None
