"""Senders against real transports on loopback: SMTP (aiosmtpd), SES (moto, and an endpoint
that answers with SES's own throttling error shape)."""

from __future__ import annotations

import datetime as dt
import json
import os
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sequences_core.devstack.embedded_db import free_port
from sequences_core.rules.rate import RateLimiter
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_sender
from sequences_core.senders import Outcome, OutgoingEmail
from sequences_core.senders.processes import ProcessPoolSender
from sequences_core.senders.ses import SesSender, client_config
from sequences_core.senders.smtp import SmtpSender, SmtpSettings


def outgoing(to: str = "ann@lead.example", sender: str = "dana@sender.example") -> OutgoingEmail:
    raw = f"From: {sender}\r\nTo: {to}\r\nSubject: hi\r\n\r\nhello\r\n".encode()
    return OutgoingEmail(uuid.uuid4(), uuid.uuid4(), sender, to, raw)


def self_signed(tmp_path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=self_signed(tmp_path),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def test_smtp_starttls_auth_and_per_recipient_outcomes(smtp_server):
    inbox, port = smtp_server
    sender = SmtpSender(
        SmtpSettings(
            host="127.0.0.1", port=port, username="dana", password="s3cret", verify_tls=False
        )
    )
    emails = [
        outgoing("ann@lead.example"),
        outgoing("nobody@lead.example"),
        outgoing("busy@lead.example"),
    ]
    results = sender.send_batch(emails)
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.FAILED, Outcome.RETRY]
    assert "550" in results[1].error and "451" in results[2].error
    assert [m[1] for m in inbox.messages] == [["ann@lead.example"]]
    assert b"Subject: hi" in inbox.messages[0][2]


def test_smtp_wrong_password_is_retryable_not_lost(smtp_server):
    _, port = smtp_server
    sender = SmtpSender(
        SmtpSettings(
            host="127.0.0.1",
            port=port,
            username="dana",
            password="wrong",
            verify_tls=False,
            timeout=3,  # aiosmtpd leaves a failed AUTH unanswered: the client must not hang
        )
    )
    [result] = sender.send_batch([outgoing()])
    assert result.outcome == Outcome.RETRY and "connect" in result.error


def test_ses_permanent_rejection_fails_with_the_providers_message(moto_server):
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server)
    sender = SesSender(client, configuration_set=None, threads=2, max_per_second=1000)
    [result] = sender.send_batch([outgoing(sender="someone@unverified.example")])
    assert result.outcome == Outcome.FAILED
    assert "MessageRejected" in result.error


def test_ses_throttling_backs_off_then_succeeds_and_gives_up_as_retry():
    calls: list[float] = []
    fail_first = {"n": 2}

    class Throttling(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(1)
            if len(calls) <= fail_first["n"]:
                body, status = (
                    json.dumps({"message": "Maximum sending rate exceeded."}).encode(),
                    429,
                )
                error_type = "TooManyRequestsException"
            else:
                body, status, error_type = json.dumps({"MessageId": "ok-1"}).encode(), 200, None
            self.send_response(status)
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client(
            "sesv2",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{server.server_port}",
            config=client_config(2),
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        sender = SesSender(client, configuration_set="cs", threads=1, backoff_base=0.01)
        [result] = sender.send_batch([outgoing()])
        assert (result.outcome, result.provider_message_id, len(calls)) == (Outcome.SENT, "ok-1", 3)
        calls.clear()
        fail_first["n"] = 100
        [result] = sender.send_batch([outgoing()])
        assert result.outcome == Outcome.RETRY and "TooManyRequests" in result.error
        assert len(calls) == sender.attempts
    finally:
        server.shutdown()


def test_rate_limiter_caps_calls_across_threads():

    limiter = RateLimiter(per_second=50, burst=5)
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    assert elapsed >= (40 - 5) / 50 * 0.9  # 40 calls, 5 free, then 50/s


def test_ses_process_pool_sends_in_order_and_splits_the_rate(moto_server):
    """Worker processes, each with its own client: every email sent once, results in input
    order, and the account's rate shared out so the cap holds in sum."""
    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    env = {
        "SEQUENCES_SENDER": "ses",
        "AWS_ENDPOINT_URL": moto_server,
        "SEQUENCES_SEND_PROCESSES": "2",
        "SEQUENCES_SES_MAX_SEND_RATE": "4",
        "SEQUENCES_SEND_THREADS": "2",
    }
    session = boto3.session.Session(
        aws_access_key_id="lent", aws_secret_access_key="lent", region_name="us-east-1"
    )  # as the Airflow hook lends one: its credentials go to the workers
    sender = build_sender(Settings.from_env({**os.environ, **env}), session)
    assert isinstance(sender, ProcessPoolSender)
    small = sender.send_batch([outgoing(to="first@lead.example")])
    assert small[0].outcome == Outcome.SENT
    assert not sender.started  # one email is not worth spawning workers for
    sender.spread_from = 12
    emails = [outgoing(to=f"p{i}@lead.example") for i in range(12)]
    start = time.monotonic()
    results = sender.send_batch(emails)
    elapsed = time.monotonic() - start
    assert sender.started
    assert [r.execution_id for r in results] == [e.execution_id for e in emails]
    assert all(r.outcome == Outcome.SENT for r in results)
    assert len({r.provider_message_id for r in results}) == 12
    # Two workers at 2/s each, a burst of 2 each: 6 emails each take 2 s (0.5 s at 4/s each).
    assert elapsed >= 1.5, elapsed


def test_a_send_worker_imports_neither_sqlalchemy_nor_the_services():
    """What a spawned worker loads (its initializer's modules and the pickled settings):
    SQLAlchemy and the services took its start from ~1 s to ~3.5 s."""
    import subprocess
    import sys

    code = (
        "import sys, sequences_core.senders.processes, sequences_core.senders.ses,"
        " sequences_core.runtime.config; print(sorted(m for m in sys.modules"
        " if m.startswith(('sqlalchemy', 'sequences_core.services',"
        " 'sequences_core.runtime.wiring'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
