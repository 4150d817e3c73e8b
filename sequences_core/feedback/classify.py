"""What is this inbound message? One classification per message, with the reason.

Order matters: a delivery report is a bounce whatever it says; an automatic
message (by its headers, RFC 3834 first) is never a reply; only then is the
lead's own new text — never the quoted original, which carries our unsubscribe
wording — read for an opt-out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parseaddr, parsedate_to_datetime
from enum import StrEnum
from typing import Any

from sequences_core.feedback import patterns
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


_MSGID = re.compile(r"<[^<>\s]+>")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d\b")
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mail delivery)", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|has failed|failure|failed)|returned mail"
    r"|mail delivery (failed|failure|system)|failure notice|unzustellbar|non remis|no entregado"
    r"|não entregue|onbestelbaar|mancato recapito|non recapitabile",
    re.I,
)


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _header_ids(message: Message, *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        for value in message.get_all(name) or []:
            found += _MSGID.findall(str(value))
    return found


def _body_text(message: Message) -> str:
    """The readable body: text/plain if there is one, else text from the HTML."""
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
    if part.get_content_subtype() == "html":
        return text_from_html(str(content))
    return str(content)


def new_text(body: str) -> str:
    """The lead's own words: stop at the first quoted line or quote header."""
    lines: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or patterns.QUOTE_HEADER.match(stripped):
            break
        lines.append(line)
    return "\n".join(lines).strip()


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
    if message.get("X-Loop"):
        return "X-Loop header"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "empty Return-Path"
    return None


def _delivery_report(message: Message) -> tuple[str, tuple[str, ...], str, list[str]] | None:
    """(status, recipients, diagnostic, original ids) from a DSN or a bounce-shaped mail."""
    statuses: list[str] = []
    recipients: list[str] = []
    diagnostic = ""
    original: list[str] = []
    is_report = message.get_content_type() == "multipart/report"
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload() if part.is_multipart() else []
            for block in blocks:
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", "")).lower()
                status = str(block.get("Status", "")).strip()
                if action in ("failed", "delayed") or status[:1] in ("4", "5"):
                    statuses.append(status or ("5.0.0" if action == "failed" else "4.0.0"))
                    rcpt = str(
                        block.get("Final-Recipient") or block.get("Original-Recipient") or ""
                    )
                    recipients.append(rcpt.split(";")[-1].strip().lower())
                    diagnostic = diagnostic or _text(block.get("Diagnostic-Code", ""))
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original += _header_ids(inner[0], "Message-ID")
            elif isinstance(inner, str):
                original += re.findall(r"(?im)^message-id:\s*(<[^>]+>)", inner)
    sender = parseaddr(str(message.get("From", "")))
    shaped = _BOUNCE_SENDER.match(sender[1] or "") or _BOUNCE_SENDER.match(sender[0] or "")
    if not is_report and not (shaped and _BOUNCE_SUBJECT.search(str(message.get("Subject", "")))):
        return None
    if not statuses:  # a bounce without a machine-readable report: read the text
        body = _body_text(message)
        found = _STATUS.search(body)
        if found and found.group(1) in "45":
            statuses.append(found.group(0))
        else:
            code = _SMTP_CODE.search(body)
            statuses.append(f"{code.group(1)}.0.0" if code else "5.0.0")
        diagnostic = _text(body)[:300]
        original += re.findall(r"(?im)^message-id:\s*(<[^>]+>)", body)
    status = next((s for s in statuses if s.startswith("5")), statuses[0])
    return status, tuple(r for r in recipients if r), diagnostic, original


def classify(raw: bytes) -> Classification:
    message = message_from_bytes(raw, policy=policy.default)
    subject = _text(message.get("Subject", ""))
    from_address = parseaddr(str(message.get("From", "")))[1].lower()
    try:
        received = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        received = None
    if received is not None and received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    references = tuple(_header_ids(message, "In-Reply-To", "References"))

    def make(kind: Kind, reason: str, **extra: Any) -> Classification:
        extra.setdefault("references", references)
        return Classification(kind, reason, subject=subject, from_address=from_address,
                              received_at=received, **extra)  # fmt: skip

    report = _delivery_report(message)
    if report is not None:
        status, recipients, diagnostic, original = report
        hard = status.startswith("5")
        return make(
            Kind.BOUNCE_HARD if hard else Kind.BOUNCE_SOFT,
            f"delivery report, status {status}" + (f": {diagnostic}" if diagnostic else ""),
            snippet=diagnostic[:200], status_code=status, bounced_recipients=recipients,
            references=tuple(original) + references,
        )  # fmt: skip

    body = _body_text(message)
    own = new_text(body)
    flat = _text(own).lower()
    snippet = _text(own)[:200]
    automatic = _automatic(message)
    auto_subject = bool(patterns.AUTO_SUBJECT.match(subject))
    sent_day = (received or datetime.now(UTC)).date()
    if automatic or auto_subject:
        if patterns.LEFT_COMPANY.search(flat):
            return make(
                Kind.AUTO_REPLY, f"no longer with the company ({automatic or 'subject'})",
                snippet=snippet, left_company=True,
            )  # fmt: skip
        if patterns.OUT_OF_OFFICE.search(flat) or patterns.OUT_OF_OFFICE.search(subject.lower()):
            back = patterns.find_return_date(flat, sent_day)
            reason = f"out of office ({automatic or 'subject: ' + subject})"
            return make(
                Kind.OUT_OF_OFFICE, reason + (f", back {back.isoformat()}" if back else ""),
                snippet=snippet, return_date=back,
            )  # fmt: skip
        if automatic:
            return make(Kind.AUTO_REPLY, automatic, snippet=snippet)
    if patterns.UNSUBSCRIBE.search(flat):
        found = patterns.UNSUBSCRIBE.search(flat)
        assert found is not None
        return make(
            Kind.UNSUBSCRIBE_REQUEST,
            f"the reply asks to opt out: {found.group(0)!r}",
            snippet=snippet,
        )
    return make(Kind.HUMAN_REPLY, "a person's reply (no automatic markers)", snippet=snippet)
