"""Tracking tokens under attack: tampered, truncated, swapped between organizations, signed by
another deployment, or replayed after retention. Whatever arrives, the pixel is the same GIF
and a bad click or unsubscribe link the same page, with no trace of what was sent, no
redirect anywhere but the email's own link, and no event or suppression in the database for
anyone the token was not made for (checked in the tables, per organization)."""

from __future__ import annotations

import base64
import email
import re
import uuid
from datetime import timedelta
from email import policy
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceEmailEvent, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.services.leads import delete_lead
from sequences_core.services.maintenance import RAW_RETENTION, prune_payloads
from tests.api_support import ALWAYS_OPEN, API, EMAIL_HTML, SECRET
from tracking_app.tracking import PIXEL

FUZZ = settings(
    max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
ATTACKER = ("https://evil.example/phish", "//evil.example", "javascript:alert(1)",
            "https://example.com.evil.example/pricing", "/\\evil.example")  # fmt: skip
B64URL = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


class Sent:
    """One tenant's email: its links, tokens and ids."""

    def __init__(self, tenant, outbox: Path) -> None:
        domain = f"o{tenant.org_id.hex[:8]}.example"  # a sender domain is one org's alone
        tenant.post(f"{API}/mailboxes", {"from_email": f"dana@{domain}", "from_name": "Dana"})
        template = tenant.post(f"{API}/templates", {"name": "Cold", "settings": ALWAYS_OPEN}).json
        step = {"subject": "Hello", "html": EMAIL_HTML}
        tenant.post(f"{API}/steps", {"template_id": template["id"], "type": "email",
                                     "config": step})  # fmt: skip
        lead = {"email": "bob@lead.example", "first_name": "Bob"}
        ids = {"template": template["id"], "lead": tenant.post(f"{API}/leads", lead).json["id"]}
        tenant.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
        assert tenant.post(f"{API}/execute", {}).json["summary"]["sent"] == 1
        [eml] = list(outbox.glob("*.eml"))
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        eml.rename(outbox / f"{tenant.org_id}.sent")  # the next tenant's is then alone
        html = message.get_body(("html",)).get_content()
        hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
        self.pixel = unescape(re.search(r'<img src="([^"]+)"', html).group(1))
        self.clicks = [h for h in hrefs if "/track/click" in h]
        self.unsubscribe = next(h for h in hrefs if "/unsubscribe" in h)
        self.lead = uuid.UUID(ids["lead"])
        self.org = tenant.org_id

    @staticmethod
    def query(url: str, name: str) -> str:
        return parse_qs(urlsplit(url).query)[name][0]

    @property
    def open_token(self) -> str:
        return self.query(self.pixel, "eid")

    @property
    def click(self) -> tuple[str, str]:
        return self.query(self.clicks[0], "eid"), self.query(self.clicks[0], "url")

    @property
    def unsubscribe_token(self) -> str:
        return self.query(self.unsubscribe, "t")


def _aged(engine) -> None:
    """The email went a while ago, so a hit is not taken for a prefetch."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE sequence_step_executions"
                          " SET completed_at = completed_at - interval '5 minutes'"))  # fmt: skip


def _events(engine) -> dict[uuid.UUID, int]:
    """Events of people's hits (opens, clicks) per organization."""
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(
            select(SequenceEmailEvent.organization_id, func.count())
            .where(SequenceEmailEvent.type.in_(("open", "click")))
            .group_by(SequenceEmailEvent.organization_id)
        )
        return dict(rows.all())  # type: ignore[arg-type]


def _suppressed(engine) -> set[tuple[uuid.UUID, str]]:
    with UnitOfWork(engine) as uow:
        return {(s.organization_id, s.email) for s in uow.session.scalars(select(Suppression))}


def _mutations(token: str) -> st.SearchStrategy[str]:
    """The token changed: a character replaced, cut short, lengthened, or its case flipped."""
    index = st.integers(0, len(token) - 1)
    return st.one_of(
        st.tuples(index, B64URL).map(lambda p: token[: p[0]] + p[1] + token[p[0] + 1 :]),
        index.map(lambda i: token[:i]),
        st.text(B64URL, min_size=1, max_size=8).map(lambda tail: token + tail),
        index.map(lambda i: token[:i] + token[i].swapcase() + token[i + 1 :]),
    ).filter(lambda changed: changed != token)


def _bad_page(answer) -> bytes:
    """A refused link: the one page, no redirect, nothing of the request echoed."""
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert answer.mimetype == "text/html" and "no-store" in answer.headers["Cache-Control"]
    return answer.data


def test_tampered_open_and_click_tokens_record_nothing_and_redirect_nowhere(
    app, acme, clean_db, tmp_path
):
    sent = Sent(acme, tmp_path / "outbox")
    _aged(clean_db)
    hits = app.extensions["sequences"].hits
    token, url = sent.click
    pages: set[bytes] = set()

    @FUZZ
    @given(opened=_mutations(sent.open_token), clicked=_mutations(token),
           target=st.sampled_from((url, *ATTACKER)) | st.text(max_size=40))  # fmt: skip
    def attack(opened: str, clicked: str, target: str) -> None:
        pixel = acme.client.get(f"{API}/track/open?eid={quote(opened)}")
        assert pixel.status_code == 200 and pixel.data == PIXEL
        answer = acme.client.get(f"{API}/track/click?eid={quote(clicked)}&url={quote(target)}")
        page = _bad_page(answer)
        echoes = [x.encode() for x in (clicked, target, quote(target)) if len(x) >= 8]
        assert not any(echo in page for echo in echoes)  # no trace of what was sent
        pages.add(page)
        # The genuine token with another URL: the MAC covers the URL, so no open redirect.
        if target != url:
            _bad_page(acme.client.get(f"{API}/track/click?eid={token}&url={quote(target)}"))
        hits.flush()
        assert _events(clean_db) == {}

    attack()
    assert len(pages) == 1  # every refusal is the same page
    # The genuine links still count, so the refusals above were the tokens' doing.
    assert acme.client.get(f"{API}/track/open?eid={sent.open_token}").data == PIXEL
    answer = acme.client.get(f"{API}/track/click?eid={token}&url={quote(url)}")
    assert answer.status_code == 302 and answer.headers["Location"] == url
    hits.flush()
    assert _events(clean_db) == {acme.org_id: 2}


def test_tokens_swapped_between_organizations_touch_neither(app, acme, rival, clean_db, tmp_path):
    ours, theirs = Sent(acme, tmp_path / "outbox"), Sent(rival, tmp_path / "outbox")
    _aged(clean_db)
    genuine = Tokens(SECRET)
    # Their token with our lead spliced in (and the reverse): the MAC no longer matches.
    swapped = [
        _splice(theirs.unsubscribe_token, 16, ours.lead.bytes),
        _splice(ours.unsubscribe_token, 0, theirs.org.bytes),
        # Signed for real but naming our organization and their lead: the lead is not ours.
        genuine.unsubscribe_token(ours.org, theirs.lead, None),
        # Made by another deployment's key.
        Tokens("another deployment's key").unsubscribe_token(ours.org, ours.lead, None),
    ]
    for token in swapped:
        acme.client.post(
            f"{API}/unsubscribe?t={quote(token)}", data={"List-Unsubscribe": "One-Click"}
        )
    assert _suppressed(clean_db) == set()
    foreign = Tokens("another deployment's key")
    token, url = theirs.click
    for pixel, click in (
        (foreign.open_token(uuid.UUID(int=1)), foreign.click_token(uuid.UUID(int=1), 0, url)),
        (ours.open_token[:20] + theirs.open_token[20:], ours.click[0][:20] + token[20:]),
    ):
        assert acme.client.get(f"{API}/track/open?eid={pixel}").data == PIXEL
        _bad_page(acme.client.get(f"{API}/track/click?eid={click}&url={quote(url)}"))
    app.extensions["sequences"].hits.flush()
    assert _events(clean_db) == {}
    # Their genuine pixel, fetched through our tenant's client, counts for them alone.
    assert acme.client.get(f"{API}/track/open?eid={theirs.open_token}").data == PIXEL
    app.extensions["sequences"].hits.flush()
    assert _events(clean_db) == {rival.org_id: 1}


def _splice(token: str, at: int, replacement: bytes) -> str:
    """A token whose payload bytes at `at` are replaced, its MAC kept."""
    raw = bytearray(base64.urlsafe_b64decode(token + "=="))
    raw[at : at + len(replacement)] = replacement
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def test_tokens_replayed_after_retention_record_nothing(app, acme, rival, clean_db, tmp_path):
    ours, theirs = Sent(acme, tmp_path / "outbox"), Sent(rival, tmp_path / "outbox")
    _aged(clean_db)
    with UnitOfWork(clean_db) as uow:
        prune_payloads(uow, utcnow() + RAW_RETENTION + timedelta(days=1))
    with UnitOfWork(clean_db) as uow:
        delete_lead(uow, ours.org, ours.lead)  # erased: its emails' tokens outlive it
    token, url = ours.click
    assert acme.client.get(f"{API}/track/open?eid={ours.open_token}").data == PIXEL
    answer = acme.client.get(f"{API}/track/click?eid={token}&url={quote(url)}")
    assert answer.status_code == 302 and answer.headers["Location"] == url  # its own link only
    unsubscribed = acme.client.post(f"{API}/unsubscribe?t={quote(ours.unsubscribe_token)}")
    assert unsubscribed.status_code < 500
    app.extensions["sequences"].hits.flush()
    assert _events(clean_db) == {}
    assert _suppressed(clean_db) == set()
    # The other organization's tokens still work, for it alone.
    assert acme.client.get(f"{API}/track/open?eid={theirs.open_token}").data == PIXEL
    app.extensions["sequences"].hits.flush()
    assert _events(clean_db) == {rival.org_id: 1}
