"""Rendering, tracking rewrite and tokens: pure, no database."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer

from sequences_core.rules.render import (
    MissingVariable,
    Renderer,
    TrackingLinks,
    add_tracking,
    lead_variables,
)
from sequences_core.rules.tokens import OPEN_TOKEN_CHARS, Click, Tokens, Unsubscribe
from tests.gil import holds_the_gil

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
    from sequences_core.rules.template_sandbox import RenderFailed

    with pytest.raises(RenderFailed, match="unsafe"):
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


@given(st.uuids(), st.text(min_size=1, max_size=20))
def test_every_open_token_reads_back_to_its_execution(eid: uuid.UUID, key: str) -> None:
    token = Tokens(key).open_token(eid)
    assert len(token) == OPEN_TOKEN_CHARS
    assert Tokens(key).read_open(token) == eid


@given(
    st.uuids(), st.integers(min_value=0, max_value=2**32 - 1), st.text(max_size=300),
    st.uuids(), st.uuids(), st.none() | st.uuids(),
)  # fmt: skip
def test_click_and_unsubscribe_tokens_read_back_and_bind_their_url(
    eid: uuid.UUID, index: int, url: str, org: uuid.UUID, lead: uuid.UUID,
    execution: uuid.UUID | None,
) -> None:  # fmt: skip
    tokens = Tokens("k")
    click = tokens.click_token(eid, index, url)
    assert tokens.read_click(click, url) == Click(eid, index)
    assert tokens.read_click(click, url + "/") is None  # only the URL it was made for
    assert Tokens("other").read_click(click, url) is None
    unsubscribe = tokens.unsubscribe_token(org, lead, execution)
    assert tokens.read_unsubscribe(unsubscribe) == Unsubscribe(org, lead, execution)
    assert tokens.read_click(unsubscribe, url) is None  # purposes do not mix
    assert tokens.read_unsubscribe(click) is None
    preview = tokens.preview_unsubscribe_token(org, lead)
    assert tokens.read_unsubscribe(preview) == Unsubscribe(org, lead, None, preview=True)
    assert Tokens("other").read_unsubscribe(preview) is None


def test_links_in_emails_sent_with_the_earlier_tokens_still_work() -> None:
    """Those tokens were itsdangerous's; sent emails keep them for ever."""
    clicks = URLSafeTimedSerializer("k", salt="sequences.click")
    unsubscribes = URLSafeTimedSerializer("k", salt="sequences.unsubscribe")
    eid, org, lead = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    url = "https://example.com/tour?a=1"
    old_click = clicks.dumps([eid.hex, 2, hashlib.sha256(url.encode()).hexdigest()[:16]])
    tokens = Tokens("k")
    assert tokens.read_click(old_click, url) == Click(eid, 2)
    assert tokens.read_click(old_click, "https://evil.example") is None
    assert Tokens("other").read_click(old_click, url) is None
    old_unsubscribe = unsubscribes.dumps([org.hex, lead.hex, None])
    assert tokens.read_unsubscribe(old_unsubscribe) == Unsubscribe(org, lead, None)
    assert Tokens("other").read_unsubscribe(old_unsubscribe) is None


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
    click = tokens.click_token(eid, 1, "https://x")
    assert [
        i
        for i in range(len(click))
        if tokens.read_click(
            click[:i] + ("A" if click[i] != "A" else "B") + click[i + 1 :], "https://x"
        )
    ] == []  # every character counts
    unsub = tokens.unsubscribe_token(uuid.uuid4(), uuid.uuid4(), None)
    assert tokens.read_unsubscribe(unsub).execution_id is None


def test_tokens_keep_the_format_of_links_already_sent() -> None:
    """Sent emails carry these for ever: a change to the MAC or layout breaks every link."""
    tokens, eid = Tokens("k"), uuid.UUID(int=1)
    assert tokens.open_token(eid) == "AAAAAAAAAAAAAAAAAAAAASyTOHRTWgIV4qtUsw"
    assert (
        tokens.click_token(eid, 3, "https://example.com/a")
        == "AAAAAAAAAAAAAAAAAAAAAQAAAAPIxaZN-RKZE40j6qQ"
    )
    assert tokens.unsubscribe_token(uuid.UUID(int=2), uuid.UUID(int=3), eid) == (
        "AAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAMAAAAAAAAAAAAAAAAAAAABMrBdttJuhnUwE7bj"
    )


def test_tokens_hold_the_gil_beside_a_busy_thread() -> None:
    """`hmac.digest` lets go of the GIL: ~2 ms a token in a threaded worker, not ~2 µs."""
    tokens, eid = Tokens("k"), uuid.uuid4()
    assert holds_the_gil(lambda: tokens.read_open(tokens.open_token(eid)))
