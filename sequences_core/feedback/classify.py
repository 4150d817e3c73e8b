"""What is this inbound message? One classification per message, with the rule that decided
and the words it decided on.

Order matters: a delivery report is a bounce whatever it says (bounces.py); then the lead's own
new text (quotes.py) — never the quoted original, which carries our unsubscribe wording — is
read for an opt-out unless headers or the subject mark the message automatic (optout.py); then
for a departure or an absence, with its return day (absence.py, return_dates.py); an automatic
message is never a reply. The words of every rule live in languages.py, one table per
language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import parseaddr, parsedate_to_datetime
from enum import StrEnum
from typing import Any

from sequences_core.feedback import absence, bounces, optout, patterns, quotes
from sequences_core.rules.html_text import text_from_html


class Kind(StrEnum):
    HUMAN_REPLY = "human_reply"
    OUT_OF_OFFICE = "out_of_office"
    AUTO_REPLY = "auto_reply"
    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    UNSUBSCRIBE_REQUEST = "unsubscribe_request"


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str
    subject: str = ""
    from_address: str = ""
    received_at: datetime | None = None
    snippet: str = ""
    return_date: date | None = None
    left_company: bool = False
    status_code: str | None = None  # for bounces: the enhanced status, e.g. 5.1.1
    bounced_recipients: tuple[str, ...] = ()
    # Message-IDs this message refers to (In-Reply-To, References, or the bounced original's).
    references: tuple[str, ...] = field(default_factory=tuple)
    # The rule that decided, and the words (or header) it decided on: `ingest --explain`.
    rule: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """A rule's judgement on a message that is not a bounce."""

    kind: Kind
    rule: str
    evidence: tuple[str, ...]
    own: str  # the lead's own new text
    return_date: date | None = None
    left_company: bool = False


_MSGID = re.compile(r"<[^<>\s]+>")
# Headers whose words are read (RFC 2047-encoded words must be decoded); every other header is
# read as its plain unfolded value: the rules only look at tokens and addresses there, and
# parsing each into a header object cost more than everything else the classifier does.
_DECODED = frozenset({"subject", "thread-topic"})


_HTML = re.compile(r"\s*<(!doctype|html|body|div|p)\b", re.IGNORECASE)
_SUBJECT_CHARS = 500  # what a subject rule reads


class _ReadPolicy(EmailPolicy):
    """policy.default, but only the headers in _DECODED are parsed into header objects."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if name.lower() in _DECODED:
            return super().header_fetch_parse(name, value)
        return "".join(value.splitlines())


_POLICY = _ReadPolicy()


def _header_ids(message: Message, *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        for value in message.get_all(name) or []:
            found += _MSGID.findall(str(value))
    return found


# Apostrophes as keyboards type them (right and left quotation marks, the acute accent, the
# modifier letter): the tables write "'".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "\u02bc": "'"})


def _text(value: object) -> str:
    return " ".join(str(value or "").translate(_APOSTROPHES).split())


def _body_text(message: Message) -> str:
    """The readable body: text/plain if there is one, else text from the HTML before its quote."""
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
    else:
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html" or _HTML.match(str(content)):
        return text_from_html(quotes.html_before_quote(str(content)))  # or HTML labelled plain
    return str(content)


def new_text(body: str) -> str:
    """The lead's own words: without the quoted original, signature and legal footer."""
    return quotes.new_text(body.translate(_APOSTROPHES).replace("\xa0", " "))


def _automatic(message: Message) -> str | None:
    """Why the headers say a machine sent this (None when they do not)."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"):
        if message.get(name):
            return f"{name} header"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("auto_reply", "bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if message.get("X-Auto-Response-Suppress") and message.get("X-MS-Exchange-Inbox-Rules-Loop"):
        return "Exchange automatic reply (X-Auto-Response-Suppress with Inbox-Rules-Loop)"
    if message.get_content_type() == "multipart/report":  # a read receipt (MDN) and the like
        return f"report ({message.get_param('report-type', 'unknown')})"
    if message.get("X-Loop"):
        return "X-Loop header"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "empty Return-Path"
    return None


def _received(message: Message) -> datetime | None:
    try:
        received = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError, IndexError):
        return None
    if received is not None and received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return received


def _order_hint(received: datetime | None) -> str:
    """How a sender writes numeric dates in a language written both ways (English 03/04): month
    first in the Americas' time zones, day first elsewhere; none without a zone."""
    offset = received.utcoffset() if received is not None else None
    if offset is None:
        return ""
    return "MDY" if timedelta(hours=-10) <= offset <= timedelta(hours=-3) else "DMY"


def _quoted(words: Iterable[str]) -> str:
    return ", ".join(repr(w) for w in words if w)


# Second-level labels under a country's domain ("client.co.uk", "client.com.br"): no company.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"})


def _company(address: str) -> str:
    """The sender's company as its mail domain names it ("client" for a@mail.client.co.uk,
    "ibm" for a@mail.ibm.com)."""
    labels = address.rpartition("@")[2].lower().split(".")[:-1]  # without the top-level domain
    while len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels.pop()
    return labels[-1] if labels else ""


# "Tone Bakke here", "Jan Novák zde": a person introducing themselves, not a notice about them.
_INTRODUCING = r"(?:here|speaking|hier|ici|aqu[ií]|qui|tutaj|här|her|täällä|zde)\b"


def _speaks_of_sender(text: str, message: Message) -> bool:
    """The text names its own sender inside a sentence ("Tone Bakke har avsluttet sitt
    arbeidsforhold …"), not only under it as a signature: a notice written for the mailbox,
    as an automatic one is, even without automatic headers."""
    name = parseaddr(str(message.get("From", "")))[0]
    try:
        name = str(make_header(decode_header(name)))
    except (LookupError, ValueError, UnicodeDecodeError):
        return False
    if len(name.split()) < 2 or "," in name:
        return False
    subject = re.compile(
        rf"(?:^|[.!?]\s+){re.escape(name)}\s+(?!{_INTRODUCING})\w+(?:\s+\w+){{2}}", re.I | re.M
    )
    return subject.search(text) is not None


def _judge(message: Message, subject: str, sent: date, hint: str = "", sender: str = "") -> Verdict:
    """The kind, rule and evidence for a message that is not a bounce."""
    own = new_text(_body_text(message))
    automatic = _automatic(message)
    titled = absence.auto_subject(subject)
    marker = automatic or (f"subject {titled.words!r}" if titled else None)
    if marker is None:
        asked = optout.opt_out(own, subject)
        if asked is not None:
            return Verdict(Kind.UNSUBSCRIBE_REQUEST, asked.rule, (asked.words,), own)
    notice = marker is not None or _speaks_of_sender(own, message)
    departed = absence.left_company(own, notice, _company(sender))
    if departed is not None and (marker or not patterns.first("optout", own)):
        rule = f"no longer with the company ({marker or 'the body says so'})"
        return Verdict(Kind.AUTO_REPLY, rule, (departed.words,), own, left_company=True)
    away = absence.out_of_office(own, subject, automatic is not None, sent, hint)
    if away is not None:
        returns = away.returns
        if returns is not None:
            rule = f"{away.rule}; back {returns.day.isoformat()} ({returns.rule})"
            words = (*away.words, returns.words)
        else:
            # what the next step does is the template's (its out-of-office delay, maybe 0 days):
            # the service says so when it applies one
            rule = f"{away.rule}; no return date stated"
            words = away.words
        day = returns.day if returns else None
        return Verdict(Kind.OUT_OF_OFFICE, rule, words, own, return_date=day)
    if marker is not None:
        return Verdict(Kind.AUTO_REPLY, f"automatic reply ({marker})", (marker,), own)
    receipt = absence.acknowledgement(own)
    if receipt is not None:
        rule = "automatic receipt (no automatic headers)"
        return Verdict(Kind.AUTO_REPLY, rule, (receipt.words,), own)
    return Verdict(
        Kind.HUMAN_REPLY, "a person's reply (no automatic, absence or opt-out words)", (), own
    )


def classify(raw: bytes) -> Classification:
    """What this inbound message is, the rule that decided and the words it decided on."""
    message = message_from_bytes(raw, policy=_POLICY)
    subject = _text(message.get("Subject", ""))
    from_address = parseaddr(str(message.get("From", "")))[1].lower()
    received = _received(message)
    references = tuple(dict.fromkeys(_header_ids(message, "In-Reply-To", "References")))
    common: dict[str, Any] = {
        "subject": subject,
        "from_address": from_address,
        "received_at": received,
    }

    failed = bounces.read_bounce(message)
    if failed is not None:
        kind = Kind.BOUNCE_HARD if failed.hard else Kind.BOUNCE_SOFT
        return Classification(
            kind,
            f"{failed.rule}, status {failed.status}: {failed.words!r}",
            rule=failed.rule,
            evidence=(failed.words,),
            snippet=failed.words[:200],
            status_code=failed.status,
            bounced_recipients=failed.recipients,
            references=tuple(failed.original_ids) + references,
            **common,
        )
    sent = (received or datetime.now(UTC)).date()
    verdict = _judge(message, subject[:_SUBJECT_CHARS], sent, _order_hint(received), from_address)
    reason = verdict.rule + (f": {_quoted(verdict.evidence)}" if any(verdict.evidence) else "")
    return Classification(
        verdict.kind,
        reason,
        rule=verdict.rule,
        evidence=verdict.evidence,
        snippet=_text(verdict.own)[:200],
        return_date=verdict.return_date,
        left_company=verdict.left_company,
        references=references,
        **common,
    )
