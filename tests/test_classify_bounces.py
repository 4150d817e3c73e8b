"""Bounces (sequences_core/feedback/bounces.py through classify): pure, no DB.

Legacy reports with no RFC 3464 part and no enhanced code are still hard; a full mailbox is
soft even when the report says permanent; a delay warning is soft; a bounce is never a reply
or an auto-reply, and words in the copy of our own message it returns decide nothing.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from sequences_core.feedback.classify import Kind, classify

OURS = "Message-ID: <orig-1@sender.example>\nSubject: Quick question\n\nHit your quota? Reply stop."


def plain(sender: str, subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "dana@sender.example"
    message["Subject"] = subject
    message["Date"] = "Mon, 09 Nov 2026 15:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def dsn(action: str, status: str, diagnostic: str, human: str = "Delivery report.") -> bytes:
    """A multipart/report with one delivery-status block and our original's headers."""
    return f"""From: MAILER-DAEMON@mx.example
To: dana@sender.example
Subject: Undelivered Mail Returned to Sender
Date: Mon, 09 Nov 2026 15:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

{human}

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; lead@corp.example
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B
Content-Type: text/rfc822-headers

{OURS.split(chr(10) + chr(10))[0]}

--B--
""".encode()


LEGACY_HARD = [
    (  # Exim, X-Failed-Recipients, no code at all
        "Mail Delivery System <Mailer-Daemon@host.example>",
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n\n"
        "  gone@host.example\n    Unknown user\n\n"
        f"------ This is a copy of the message, including all the headers. ------\n\n{OURS}",
        {"X_Failed_Recipients": "gone@host.example"},
        "gone@host.example",
    ),
    (  # qmail
        "MAILER-DAEMON@qmail.example",
        "failure notice",
        "Hi. This is the qmail-send program at qmail.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<sam@qmail.example>:\nSorry, no mailbox here by that name.\n\n"
        f"--- Below this line is a copy of the message.\n\n{OURS}",
        {},
        "sam@qmail.example",
    ),
    (  # Lotus Domino
        "Postmaster@city.example",
        "DELIVERY FAILURE: User mweber (mweber@city.example) not listed in Domino Directory",
        "Your message\n\n  Subject: Quick question\n\nwas not delivered to:\n\n"
        "  mweber@city.example\n\nbecause:\n\n"
        "  User mweber (mweber@city.example) not listed in Domino Directory\n",
        {},
        "mweber@city.example",
    ),
]


@pytest.mark.parametrize(("sender", "subject", "body", "headers", "who"), LEGACY_HARD)
def test_legacy_bounces_without_a_report_or_a_code_are_hard(sender, subject, body, headers, who):
    result = classify(plain(sender, subject, body, Auto_Submitted="auto-replied", **headers))
    assert result.kind == Kind.BOUNCE_HARD, result.reason
    assert who in result.bounced_recipients
    assert result.rule and result.evidence


@pytest.mark.parametrize(
    ("action", "status", "diagnostic"),
    [
        ("failed", "5.2.2", "552 5.2.2 Mailbox full, permanent failure"),
        ("failed", "5.0.0", "550 Quota exceeded for lead@corp.example"),
        ("failed", "5.2.1", "550 mailbox full"),
    ],
)
def test_a_full_mailbox_is_soft_even_when_the_report_says_permanent(action, status, diagnostic):
    result = classify(dsn(action, status, diagnostic))
    assert result.kind == Kind.BOUNCE_SOFT, result.reason
    assert result.status_code == status and "lead@corp.example" in result.bounced_recipients


def test_a_permanent_dsn_is_hard_and_points_at_our_message():
    result = classify(dsn("failed", "5.1.1", "550 5.1.1 User unknown"))
    assert (result.kind, result.status_code) == (Kind.BOUNCE_HARD, "5.1.1")
    assert "<orig-1@sender.example>" in result.references


def test_our_own_words_in_the_returned_copy_decide_nothing():
    """The original says "quota" and "stop": the failure is still a hard one."""
    body = (
        "This is the mail system at host mx.example.\n\n<lead@corp.example>: host said: "
        "550 5.1.1 <lead@corp.example>: Recipient address rejected: User unknown\n\n"
        f"------ This is a copy of the message, including all the headers. ------\n\n{OURS}"
    )
    result = classify(plain("MAILER-DAEMON@mx.example", "Undelivered Mail", body))
    assert result.kind == Kind.BOUNCE_HARD, result.reason


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Warning: message 1kXyZ-000123-AB delayed 24 hours",
            "This message was created automatically by mail delivery software.\n"
            "A message that you sent has not yet been delivered to one or more of its "
            "recipients after more than 24 hours on the queue on mx.example.\n"
            "  lead@corp.example\n    host mx.corp.example: 451 4.4.1 Connection timed out\n"
            "No action is required on your part. Delivery attempts will continue.",
        ),
        (
            "Delivery Status Notification (Delay)",
            "Delivery incomplete\nThere was a temporary problem delivering your message to "
            "lead@corp.example. Gmail will retry for 46 more hours.",
        ),
        (
            "Delayed Mail (still being retried)",
            "#### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. ####\n"
            "<lead@corp.example>: connect to mx.corp.example: Connection refused (550 later)",
        ),
    ],
)
def test_delay_warnings_are_soft_bounces_never_auto_replies(subject, body):
    raw = plain("Mail Delivery System <MAILER-DAEMON@mx.example>", subject, body,
                Auto_Submitted="auto-replied")  # fmt: skip
    result = classify(raw)
    assert result.kind == Kind.BOUNCE_SOFT, result.reason


def test_a_delayed_dsn_is_soft():
    result = classify(dsn("delayed", "4.4.7", "Message delayed; will retry"))
    assert (result.kind, result.status_code) == (Kind.BOUNCE_SOFT, "4.4.7")


def test_a_read_receipt_is_a_report_but_not_a_bounce():
    message = EmailMessage()
    message["From"] = "lead@corp.example"
    message["Subject"] = "Read: Quick question"
    message.set_content("Your message was read on Monday.")
    message.make_mixed()
    message.replace_header(
        "Content-Type", 'multipart/report; report-type="disposition-notification"'
    )
    result = classify(message.as_bytes())
    assert result.kind == Kind.AUTO_REPLY, result.reason


def test_a_person_writing_about_a_bounce_is_a_reply():
    raw = plain("lead@corp.example", "Re: Undeliverable: Quick question",
                "Sorry, our server bounced you. Try my other address.")  # fmt: skip
    assert classify(raw).kind == Kind.HUMAN_REPLY
