"""Open pixel, click redirect and unsubscribe as mail clients and scanners really hit them."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from html import unescape
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import pytest
from flask import Flask, request
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from sequences_core.clock import utcnow
from sequences_core.db.models import (
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.tracking import Hit, record_hits
from tests.api_support import ALWAYS_OPEN, API, build_app, sequence, tenant
from tracking_app.hit_buffer import HitBuffer
from tracking_app.tracking import PIXEL, first_query_value

OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)


def _sent_email(
    acme, tmp_path, follow_up=False
) -> tuple[email.message.EmailMessage, dict[str, str]]:
    ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=follow_up)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert acme.post(f"{API}/execute", {}).json["summary"]["sent"] == 1
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    return email.message_from_bytes(eml.read_bytes(), policy=policy.default), ids


def _links(message) -> tuple[str, list[str], str]:
    html = message.get_body(("html",)).get_content()
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
    pixel = unescape(re.search(r'<img src="([^"]+)"', html).group(1))
    clicks = [h for h in hrefs if "/track/click" in h]
    unsubscribe = next(h for h in hrefs if "/unsubscribe" in h)
    return pixel, clicks, unsubscribe


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _age_sends(engine, seconds: int = 120) -> None:
    """Pretend the email went a while ago, so hits are not prefetches."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sequence_step_executions"
                " SET completed_at = completed_at - make_interval(secs => :s)"
            ),
            {"s": seconds},
        )


def _events(engine, kind: str | None = None) -> list[SequenceEmailEvent]:
    with UnitOfWork(engine) as uow:
        query = select(SequenceEmailEvent).order_by(SequenceEmailEvent.occurred_at)
        if kind:
            query = query.where(SequenceEmailEvent.type == kind)
        return list(uow.session.scalars(query))


def test_pixel_is_always_the_gif_and_records_only_valid_tokens(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path)
    pixel, _, _ = _links(message)
    _age_sends(clean_db)
    for query in ("", "?eid=", "?eid=forged.token.value", "?eid=%ff%fe", pixel.split("?")[1][:-3]):
        answer = acme.client.get(
            f"{API}/track/open{query if query.startswith('?') or not query else '?' + query}"
        )
        assert answer.status_code == 200 and answer.data == PIXEL and len(PIXEL) == 43
        assert answer.mimetype == "image/gif" and "no-store" in answer.headers["Cache-Control"]
    answer = acme.client.get(
        _local(pixel), headers={"User-Agent": OUTLOOK}, environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    assert answer.data == PIXEL
    assert app.extensions["sequences"].hits.flush() == 1
    [event] = _events(clean_db, "open")
    assert event.ip == "203.0.113.0"  # truncated to /24 unless the org opts in
    assert event.client == "Outlook" and event.device == "desktop" and not event.bot
    assert event.organization_id == acme.org_id and event.lead_id is not None


def test_machine_opens_are_kept_but_flagged_with_the_reason(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path)
    pixel = _local(_links(message)[0])
    hits = app.extensions["sequences"].hits
    acme.client.get(pixel, headers={"User-Agent": IPHONE})  # seconds after delivery: prefetch
    hits.flush()
    _age_sends(clean_db)
    acme.client.get(pixel, headers={"User-Agent": "Mozilla/5.0"})  # Apple MPP proxy
    acme.client.get(pixel, headers={"User-Agent": "python-requests/2.31"})
    acme.client.get(pixel, headers={"User-Agent": GMAIL_PROXY})  # a real open, via Gmail
    acme.client.get(
        pixel, headers={"User-Agent": IPHONE}, environ_base={"REMOTE_ADDR": "17.58.1.2"}
    )
    hits.flush()
    events = _events(clean_db, "open")
    verdicts = [(e.bot, e.reason) for e in events]
    assert verdicts == [
        (True, "within_seconds_of_delivery"),
        (True, "apple_mail_privacy_protection"),
        (True, "scanner: python-requests"),
        (False, None),
        (True, "apple_mail_privacy_protection"),
    ]
    assert events[3].client == "Gmail"
    metrics = acme.get(f"{API}/metrics").json["overall"]
    assert metrics["opens"] == 1 and metrics["unique_opens"] == 1 and metrics["machine_events"] == 4


def test_click_redirects_only_to_the_link_in_that_email(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path)
    _, clicks, _ = _links(message)
    _age_sends(clean_db)
    pricing, tour = (_local(c) for c in clicks)
    answer = acme.client.get(pricing, headers={"User-Agent": IPHONE})
    assert answer.status_code == 302 and answer.headers["Location"] == "https://example.com/pricing"
    token = parse_qs(urlsplit(pricing).query)["eid"][0]
    for forged in (
        f"{API}/track/click?eid={token}&url=https://evil.example/phish",  # open-redirect attempt
        f"{API}/track/click?eid={token[:-2]}xx&url=https://example.com/pricing",  # tampered
        f"{API}/track/click?url=https://example.com/pricing",  # no token
        f"{API}/track/click?eid={parse_qs(urlsplit(tour).query)['eid'][0]}&url=https://example.com/pricing",
    ):
        refused = acme.client.get(forged)
        assert refused.status_code == 400 and "Location" not in refused.headers
        assert refused.mimetype == "text/html"
    app.extensions["sequences"].hits.flush()
    [click] = _events(clean_db, "click")
    assert click.url == "https://example.com/pricing" and click.link_index == 0
    assert click.device == "mobile" and not click.bot
    metrics = acme.get(f"{API}/metrics").json["overall"]
    assert metrics["clicks"] == 1 and metrics["unique_opens"] == 1  # a human click implies an open


def test_scanner_clicking_every_link_in_one_second_is_flagged(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path)
    _, clicks, _ = _links(message)
    _age_sends(clean_db)
    for link in clicks:
        assert acme.client.get(_local(link), headers={"User-Agent": IPHONE}).status_code == 302
    app.extensions["sequences"].hits.flush()
    events = _events(clean_db, "click")
    assert len(events) == 2 and all(e.bot for e in events)
    assert {e.reason for e in events} == {"links_clicked_in_the_same_second"}
    assert acme.get(f"{API}/metrics").json["overall"]["clicks"] == 0


def test_full_ip_only_when_the_org_opts_in(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path)
    _age_sends(clean_db)
    with clean_db.begin() as conn:
        conn.execute(
            text("UPDATE organizations SET settings = '{\"store_full_ip\": true}' WHERE id = :id"),
            {"id": acme.org_id},
        )
    acme.client.get(_local(_links(message)[0]), headers={"User-Agent": OUTLOOK},
                    environ_base={"REMOTE_ADDR": "2001:db8:85a3::8a2e:370:7334"})  # fmt: skip
    app.extensions["sequences"].hits.flush()
    assert _events(clean_db, "open")[0].ip == "2001:db8:85a3::8a2e:370:7334"


def test_geo_from_a_maxmind_database(clean_db, tmp_path, monkeypatch):
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(
        IPSet(["198.51.100.0/24"]),
        {"country": {"iso_code": "DE"}, "city": {"names": {"en": "Berlin"}}},
    )
    path = tmp_path / "geo.mmdb"
    writer.to_db_file(str(path))
    monkeypatch.setenv("SEQUENCES_GEOIP_DB", str(path))
    app = build_app(clean_db, tmp_path)
    acme = tenant(clean_db, app.test_client(), "Geo")
    message, _ = _sent_email(acme, tmp_path)
    _age_sends(clean_db)
    pixel = _local(_links(message)[0])
    acme.client.get(
        pixel, headers={"User-Agent": OUTLOOK}, environ_base={"REMOTE_ADDR": "198.51.100.9"}
    )
    acme.client.get(
        pixel, headers={"User-Agent": OUTLOOK}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    app.extensions["sequences"].hits.close()
    geos = [e.geo for e in _events(clean_db, "open")]
    assert geos == [{"country": "DE", "city": "Berlin"}, None]


def test_unsubscribe_get_asks_and_one_click_post_suppresses(app, acme, clean_db, tmp_path):
    message, _ = _sent_email(acme, tmp_path, follow_up=True)
    header_url = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page = acme.client.get(_local(header_url))
    assert page.status_code == 200 and b"<form" in page.data
    with UnitOfWork(clean_db) as uow:
        assert uow.session.scalars(select(Suppression)).all() == []  # a GET never unsubscribes
    # As Gmail and Yahoo send it (RFC 8058): POST, form body, no cookies.
    done = acme.client.post(
        _local(header_url), data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert done.status_code == 200 and b"You are unsubscribed" in done.data
    assert (
        acme.client.post(_local(header_url), data={"List-Unsubscribe": "One-Click"}).status_code
        == 200
    )
    with UnitOfWork(clean_db) as uow:
        [row] = uow.session.scalars(select(Suppression)).all()
        assert row.email == "bob@lead.example" and row.reason == "unsubscribe"
        [enrollment] = uow.session.scalars(select(SequenceEnrollment)).all()
        assert enrollment.status == "unsubscribed"
    assert len(_events(clean_db, "unsubscribe")) == 1


def test_bad_unsubscribe_tokens_answer_400(acme):
    for path in (f"{API}/unsubscribe", f"{API}/unsubscribe?t=forged"):
        assert acme.client.get(path).status_code == 400
        assert acme.client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_a_nul_in_an_agent_or_url_is_dropped_not_the_batch(acme, clean_db, tmp_path):
    """PostgreSQL text cannot hold NUL; one such hit must not fail (and re-fail) its flush."""
    _sent_email(acme, tmp_path)
    _age_sends(clean_db)
    with UnitOfWork(clean_db) as uow:
        execution = uow.session.scalar(select(SequenceStepExecution.id))
        hits = [
            Hit("open", execution, utcnow(), "203.0.113.9", "Mozilla\x00/5.0 (X11; Linux)"),
            Hit("click", execution, utcnow(), "203.0.113.9", OUTLOOK, "https://x.example/\x00a", 0),
        ]
        assert record_hits(uow, hits) == 2
    [opened], [clicked] = _events(clean_db, "open"), _events(clean_db, "click")
    assert opened.user_agent == "Mozilla/5.0 (X11; Linux)"
    assert clicked.url == "https://x.example/a" and clicked.user_agent == OUTLOOK


def test_the_buffer_is_bounded_and_drops_machine_opens_first():
    written: list[list[Hit]] = []
    buffer = HitBuffer(
        lambda hits: written.append(list(hits)) or len(hits),
        batch=10_000,
        capacity=3,
        interval=600,  # no timed flush between the adds and the count (it made this flaky)
    )
    import uuid

    now = utcnow()
    human = Hit("open", uuid.uuid4(), now, "203.0.113.1", OUTLOOK)
    machine = Hit("open", uuid.uuid4(), now, "203.0.113.2", "Mozilla/5.0")
    click = Hit("click", uuid.uuid4(), now, "203.0.113.3", OUTLOOK, "https://x.example", 0)
    for hit in (human, machine, click):
        buffer.add(hit)
    buffer.add(Hit("open", uuid.uuid4(), now + timedelta(seconds=1), None, OUTLOOK))
    assert buffer.dropped == 1 and buffer.pending() == 3
    buffer.close()
    assert machine not in written[0] and human in written[0] and click in written[0]


def test_a_failed_write_keeps_the_hits_for_the_next_flush():
    import uuid

    calls = {"n": 0}

    def flaky(hits):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database restarting")
        return len(hits)

    buffer = HitBuffer(flaky, batch=10_000)
    buffer.add(Hit("open", uuid.uuid4(), utcnow(), None, OUTLOOK))
    assert buffer.flush() == 0 and buffer.pending() == 1 and buffer.failures == 1
    assert buffer.flush() == 1 and buffer.pending() == 0
    buffer.close()


_QUERY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.tuples(st.sampled_from(["eid", "e", "url", "eid "]) | _QUERY_TEXT, _QUERY_TEXT),
                max_size=5),
       st.booleans())  # fmt: skip
def test_the_pixel_reads_its_token_as_request_args_would(pairs, plus_for_space) -> None:
    """The pixel skips `request.args` for speed; it must still read the same `eid`."""
    query = urlencode(pairs, quote_via=quote_plus if plus_for_space else quote)
    with Flask(__name__).test_request_context("/?" + query):
        assert first_query_value(query, "eid") == request.args.get("eid")


@pytest.mark.parametrize(
    "query",
    ["e%69d=AQ", "eid=a%2Bb+c", "x=1&eid=A+B&eid=2", "eid", "eid=", "&&eid=%", "eid%3D=1",
     "EID=1", "eid=%E2%82%AC", "x=eid%3D1"],
)  # fmt: skip
def test_the_pixel_decodes_raw_queries_as_request_args_would(query) -> None:
    with Flask(__name__).test_request_context("/?" + query):
        assert first_query_value(query, "eid") == request.args.get("eid")
