"""Reading replies from a real IMAP server: Debian's Dovecot on loopback."""

from __future__ import annotations

import imaplib
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from sequences_core.db.models import InboundObject, SequenceEnrollment
from sequences_core.devstack.embedded_db import free_port
from sequences_core.feeds.imap import ImapFeed, ImapSettings, parse_imap_url
from sequences_core.schemas import LeadIn
from sequences_core.services.feed_apply import INBOUND_MAIL, apply_feed
from sequences_core.services.ingest import Feeds, run_feedback_cycle
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence
from tests.test_feeds import MALFORMED, dead_letters, enrol_repliers, paused, reply_from

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def imap_server():
    if os.geteuid() != 0:
        pytest.skip("Dovecot's multi-user setup needs root (CI and these machines run as root)")
    if not Path(DOVECOT).exists():
        pytest.fail("dovecot is not installed: `make test` installs dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="sequences-imap-"))
    root.chmod(0o755)
    (root / "home").mkdir(mode=0o777)
    os.chown(root / "home", 65534, 65534)
    port = free_port()
    (root / "passwd").write_text("dana:{PLAIN}s3cret::::::\n")
    (root / "dovecot.conf").write_text(CONFIG.format(d=root, port=port))
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("dovecot did not start: " + (root / "dovecot.log").read_text(errors="replace"))
    yield ImapSettings(host="127.0.0.1", port=port, username="dana", password="s3cret", ssl=False)
    proc.terminate()
    proc.wait(timeout=20)
    shutil.rmtree(root, ignore_errors=True)


def deliver(settings: ImapSettings, raw: bytes) -> None:
    conn = imaplib.IMAP4(settings.host, settings.port)
    conn.login(settings.username, settings.password)
    conn.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    conn.logout()


def test_replies_in_an_imap_inbox_are_applied_once(uow, org_id, new_uow, imap_server):
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    enrol(uow, org_id, template, [LeadIn(email="ann@lead.example", first_name="Ann")], now)
    # No In-Reply-To: matched by sender address and the mailbox it was sent to.
    deliver(
        imap_server,
        (
            b"From: Ann <ann@lead.example>\r\nTo: dana@sender.example\r\nSubject: your email\r\n"
            b"Message-ID: <imap-reply-1@lead.example>\r\nDate: Mon, 01 Mar 2027 12:00:00 +0000\r\n"
            b"\r\nHappy to talk, call me.\r\n"
        ),
    )
    summary = apply_feed(new_uow, ImapFeed(imap_server), INBOUND_MAIL, FakeClock(now))
    assert summary.replies == 1
    again = apply_feed(new_uow, ImapFeed(imap_server), INBOUND_MAIL, FakeClock(now))
    assert again.events == 0  # already applied
    with new_uow() as check:
        enrollment = check.session.scalars(select(SequenceEnrollment)).one()
        keys = check.session.scalars(select(InboundObject.key)).all()
    assert (enrollment.status, enrollment.paused_reason) == ("paused", "replied")
    assert len(keys) == 1 and keys[0].startswith("dana@127.0.0.1/INBOX/")


def test_a_malformed_message_in_imap_is_dead_lettered_once_and_the_rest_apply(
    uow, org_id, new_uow, imap_server
):
    """It used to fail the whole feedback cycle, and every cycle after it."""
    enrol_repliers(uow, org_id, ["ann", "bob"])
    for raw in (reply_from("ann"), MALFORMED, reply_from("bob")):
        deliver(imap_server, raw)
    feeds, clock = Feeds(imap=imap_server), FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))

    first = run_feedback_cycle(new_uow, feeds, clock)
    again = run_feedback_cycle(new_uow, feeds, clock)

    assert (first.replies, first.dead_letters) == (2, 1)
    assert not any(again.as_dict().values())
    [(source, reference, reason)] = dead_letters(new_uow)
    assert (source, reference.rsplit("/", 1)[1]) == ("imap", "2")  # the second UID
    assert reason.startswith("IndexError")
    assert paused(new_uow) == 2


def test_imap_url_parsing_names_the_variable():
    settings = parse_imap_url("imaps://sales%40acme.example:p%2Fw@imap.acme.example/Replies")
    assert (settings.username, settings.password, settings.port, settings.ssl, settings.folder) == (
        "sales@acme.example",
        "p/w",
        993,
        True,
        "Replies",
    )
    with pytest.raises(ValueError, match="SEQUENCES_IMAP_URL"):
        parse_imap_url("http://nope")
