"""Raw MIME for one email: multipart/alternative, our Message-ID, threading and RFC 8058 headers.

Written directly rather than through `email.generator`: we set every header ourselves,
so the generic folding machinery (most of the cost per email) has nothing to add.
Non-ASCII and over-long headers still go through `email.header` (RFC 2047).
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr


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


def _header(name: str, value: str) -> bytes:
    """One header line; RFC 2047-encoded and folded only when it is not short plain ASCII."""
    value = " ".join(value.split())  # no CR/LF injection, no stray folding whitespace
    if value.isascii() and len(name) + len(value) < 998:
        return f"{name}: {value}\r\n".encode()
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode()


def _address(name: str | None, email: str) -> str:
    return formataddr((name, email), charset="utf-8") if name else email


def _qp(text: str) -> bytes:
    body = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
    return (
        binascii.b2a_qp(body, istext=True, header=False)
        .replace(b"\r\n", b"\n")
        .replace(b"\n", b"\r\n")
    )


def build_mime(envelope: Envelope, html: str, text: str) -> bytes:
    """multipart/alternative (plain, then HTML), quoted-printable UTF-8, CRLF line ends."""
    # "=_" never occurs in quoted-printable bodies, so this boundary cannot collide.
    boundary = "=_seq_" + envelope.message_id.strip("<>").partition("@")[0]
    unsubscribe = [f"<{envelope.unsubscribe_url}>"]
    if envelope.unsubscribe_mailto:
        unsubscribe.append(f"<mailto:{envelope.unsubscribe_mailto}>")
    headers = [
        ("From", _address(envelope.from_name, envelope.from_email)),
        ("To", _address(envelope.to_name, envelope.to_email)),
        ("Reply-To", envelope.reply_to),
        ("Subject", envelope.subject),
        ("Date", format_datetime(envelope.date.astimezone(UTC), usegmt=True)),
        ("Message-ID", envelope.message_id),
        ("In-Reply-To", envelope.in_reply_to),
        (
            "References",
            (envelope.references or envelope.in_reply_to) if envelope.in_reply_to else None,
        ),
        ("List-Unsubscribe", ", ".join(unsubscribe)),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    parts = [_header(name, value) for name, value in headers if value]
    for subtype, body in (("plain", text), ("html", html)):
        parts += [
            f"\r\n--{boundary}\r\n".encode(),
            f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode(),
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            _qp(body),
        ]
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts)


def message_id_for(execution_id_hex: str, from_email: str) -> str:
    """Deterministic per execution: a resend of the same execution carries the same id."""
    domain = from_email.rpartition("@")[2] or "sequences.local"
    return f"<{execution_id_hex}@{domain}>"
