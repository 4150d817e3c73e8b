"""Previews and test sends carry the lead's unsubscribe page, never the lead's opt-out.

They go to the operator, whose mail client (RFC 8058 one-click) or own click must not
suppress the lead the email was composed for; the lead's real email still opts them out.
"""

from __future__ import annotations

import base64
import email
import re
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceEmailEvent, SequenceEnrollment, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.services.feedback import apply_inbound
from tests.api_support import ALWAYS_OPEN, API, SECRET, sequence

ONE_CLICK = {
    "data": "List-Unsubscribe=One-Click",
    "content_type": "application/x-www-form-urlencoded",
}
PREVIEW_PAGE = b"Preview: this is the page the lead would see"
PREVIEW_DONE = b"Preview: nobody was unsubscribed"


def _enrolled(acme) -> dict[str, str]:
    ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=True)  # stays live after one email
    answer = acme.post(
        f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]}
    )
    assert answer.status_code == 201, answer.json
    return ids


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _outbox(tmp_path, to: str) -> EmailMessage:
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"].addresses[0].addr_spec == to:
            return message  # type: ignore[return-value]
    raise AssertionError(f"nothing sent to {to}")


def _list_unsubscribe(message: EmailMessage) -> tuple[str, str | None]:
    header = message["List-Unsubscribe"]
    url = re.search(r"<(https://[^>]+)>", header).group(1)
    mailto = re.search(r"<mailto:([^>]+)>", header)
    return url, mailto.group(1) if mailto else None


def _nothing_stopped(engine) -> None:
    with UnitOfWork(engine) as uow:
        assert uow.session.scalars(select(Suppression)).all() == []
        assert (
            uow.session.scalars(
                select(SequenceEmailEvent).where(SequenceEmailEvent.type == "unsubscribe")
            ).all()
            == []
        )
        [enrollment] = uow.session.scalars(select(SequenceEnrollment)).all()
        assert enrollment.status == "active"


def _follow_as_operator(acme, url: str) -> None:
    """What the operator and their mail client do with the link: look, click, one-click."""
    page = acme.client.get(_local(url))
    assert page.status_code == 200 and PREVIEW_PAGE in page.data and b"<form" in page.data
    token = parse_qs(urlsplit(url).query)["t"][0]
    for answer in (
        acme.client.post(_local(url), **ONE_CLICK),
        acme.client.post(f"{API}/unsubscribe", data={"t": token}),  # the page's button
    ):
        assert answer.status_code == 200 and PREVIEW_DONE in answer.data


def _mailto_request(to: str, in_reply_to: str) -> bytes:
    """The opt-out a mail client sends to a `List-Unsubscribe` mailto for its user."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "me@acme.example", to, "unsubscribe"
    message["Message-ID"], message["In-Reply-To"] = "<optout-1@acme.example>", in_reply_to
    message.set_content("Please unsubscribe me.")
    return bytes(message)


def test_a_test_sends_unsubscribe_url_and_mailto_stop_nothing_but_the_real_email_does(
    app, acme, clean_db, tmp_path
):
    ids = _enrolled(acme)
    app_state = app.extensions["sequences"]
    app_state._dispatch = replace(app_state.dispatch(), unsubscribe_mailto="dana@acme.example")
    sent = acme.post(
        f"{API}/templates/{ids['template']}/test-send",
        {"to": "me@acme.example", "lead_id": ids["lead"]},
    )
    assert sent.status_code == 200, sent.json
    test_email = _outbox(tmp_path, "me@acme.example")
    url, mailto = _list_unsubscribe(test_email)
    assert mailto == "dana@acme.example"
    _follow_as_operator(acme, url)
    with UnitOfWork(clean_db) as uow:
        result = apply_inbound(
            uow, _mailto_request(mailto, test_email["Message-ID"]), utcnow(), "test"
        )
        uow.commit()
    assert result.classification.kind == "unsubscribe_request"
    _nothing_stopped(clean_db)

    assert acme.post(f"{API}/execute", {}).json["summary"]["sent"] == 1
    real_url, _ = _list_unsubscribe(_outbox(tmp_path, "bob@lead.example"))
    page = acme.client.get(_local(real_url))
    assert page.status_code == 200 and b"Preview" not in page.data
    done = acme.client.post(_local(real_url), **ONE_CLICK)
    assert done.status_code == 200 and b"Preview" not in done.data
    with UnitOfWork(clean_db) as uow:
        [row] = uow.session.scalars(select(Suppression)).all()
        assert row.email == "bob@lead.example"
        [enrollment] = uow.session.scalars(select(SequenceEnrollment)).all()
        assert enrollment.status == "unsubscribed"


def _preview(acme, ids: dict[str, str]) -> dict[str, object]:
    answer = acme.get(f"{API}/templates/{ids['template']}/preview?lead_id={ids['lead']}")
    assert answer.status_code == 200, answer.json
    return answer.json["emails"][0]  # type: ignore[no-any-return]


def test_a_previews_footer_link_and_header_show_the_page_but_stop_nothing(acme, clean_db):
    ids = _enrolled(acme)
    preview = _preview(acme, ids)
    footer = next(
        unescape(h) for h in re.findall(r'href="([^"]+)"', preview["html"]) if "/unsubscribe" in h
    )
    text_link = re.search(r"Unsubscribe: (\S+)", preview["text"]).group(1)
    header = preview["headers"]["list_unsubscribe"].strip("<>")
    assert footer == text_link == header
    _follow_as_operator(acme, footer)
    _nothing_stopped(clean_db)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_preview_token_cannot_be_replayed_as_a_real_one(acme, clean_db):
    ids = _enrolled(acme)
    url = _preview(acme, ids)["headers"]["list_unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(url).query)["t"][0]
    found = Tokens(SECRET).read_unsubscribe(token)
    assert found is not None and found.preview and str(found.lead_id) == ids["lead"]
    raw = base64.urlsafe_b64decode(token + "==")
    payload, mac = raw[:32], raw[32:]
    # A real token is org + lead + execution (none: zeros) + MAC: pad the preview's into it.
    forged = _b64(payload + bytes(16) + mac)
    assert Tokens(SECRET).read_unsubscribe(forged) is None
    for answer in (
        acme.client.get(f"{API}/unsubscribe?t={forged}"),
        acme.client.post(f"{API}/unsubscribe?t={forged}", **ONE_CLICK),
    ):
        assert answer.status_code == 400
    _nothing_stopped(clean_db)
