"""SMTP with STARTTLS and auth, one connection per batch."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sequences_core.senders import Outcome, OutgoingEmail, SendResult


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0
    verify_tls: bool = True


class SmtpSender:
    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            context = ssl.create_default_context()
            if not s.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            conn.starttls(context=context)
        if s.username:
            conn.login(s.username, s.password or "")
        return conn

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        try:
            conn = self._connect()
        except (OSError, smtplib.SMTPException) as err:
            return [
                SendResult(e.execution_id, Outcome.RETRY, error=f"connect: {err}") for e in emails
            ]
        results = []
        with conn:
            for email in emails:
                results.append(self._send(conn, email))
        return results

    def _send(self, conn: smtplib.SMTP, email: OutgoingEmail) -> SendResult:
        try:
            conn.sendmail(email.from_email, [email.to_email], email.raw)
            return SendResult(email.execution_id, Outcome.SENT, f"smtp-{email.execution_id}")
        except smtplib.SMTPRecipientsRefused as err:
            code, message = next(iter(err.recipients.values()))
            outcome = Outcome.FAILED if code >= 500 else Outcome.RETRY
            return SendResult(email.execution_id, outcome, error=f"{code} {message!r}")
        except smtplib.SMTPResponseException as err:
            outcome = Outcome.FAILED if err.smtp_code >= 500 else Outcome.RETRY
            return SendResult(
                email.execution_id, outcome, error=f"{err.smtp_code} {err.smtp_error!r}"
            )
        except (OSError, smtplib.SMTPException) as err:
            return SendResult(email.execution_id, Outcome.UNKNOWN, error=str(err))

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        return SendResult(execution_id, Outcome.UNKNOWN)
