"""Raw MIME for one email: multipart/alternative, our Message-ID, threading and RFC 8058 headers.

Built with the legacy (compat32) `email.mime` classes: several times faster than
EmailMessage with the modern policy, and the output is the same wire format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import charset as email_charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

_UTF8_QP = email_charset.Charset("utf-8")
_UTF8_QP.body_encoding = email_charset.QP


@dataclass(frozen=True)
class Envelope:
    from_email: str
    from_name: str | None
    to_email: str
    to_name: str | None
    reply_to: str | None
    subject: str
    message_id: str  # with angle brackets
    date: datetime
    unsubscribe_url: str
    unsubscribe_mailto: str | None = None
    in_reply_to: str | None = None
    references: str | None = None


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _address(name: str | None, email: str) -> str:
    return formataddr((name, email), charset="utf-8") if name else email


def build_mime(envelope: Envelope, html: str, text: str) -> bytes:
    message = MIMEMultipart("alternative")
    message["From"] = _address(envelope.from_name, envelope.from_email)
    message["To"] = _address(envelope.to_name, envelope.to_email)
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = _header(envelope.subject)  # type: ignore[assignment]
    message["Date"] = format_datetime(envelope.date.astimezone(UTC), usegmt=True)
    message["Message-ID"] = envelope.message_id
    if envelope.in_reply_to:
        message["In-Reply-To"] = envelope.in_reply_to
        message["References"] = envelope.references or envelope.in_reply_to
    targets = [f"<{envelope.unsubscribe_url}>"]
    if envelope.unsubscribe_mailto:
        targets.append(f"<mailto:{envelope.unsubscribe_mailto}>")
    message["List-Unsubscribe"] = ", ".join(targets)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach(MIMEText(text, "plain", _UTF8_QP))  # type: ignore[arg-type]
    message.attach(MIMEText(html, "html", _UTF8_QP))  # type: ignore[arg-type]
    return message.as_bytes()


def message_id_for(execution_id_hex: str, from_email: str) -> str:
    """Deterministic per execution: a resend of the same execution carries the same id."""
    domain = from_email.rpartition("@")[2] or "sequences.local"
    return f"<{execution_id_hex}@{domain}>"
