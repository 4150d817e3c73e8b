"""One webhook delivery against real sockets on 127.0.0.1 (and fake ones for public-looking
addresses): what each answer means, what arrives, which URLs are refused with no connection
made, and that the call dials only the address the guard checked.

Every real connection goes through `LoopbackOnly`, which cannot dial anything but 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import random
import re
import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from sequences_core.webhooks.client import KEPT_BODY_BYTES, WebhookCall, deliver
from sequences_core.webhooks.guard import AllowList
from sequences_core.webhooks.signing import SIGNATURE_HEADER, verify
from tests.webhook_support import Answer, FakeNetwork, LoopbackOnly, Receiver, tripwire

ROOT = Path(__file__).resolve().parent.parent
LOCAL = AllowList.parse(["127.0.0.1"])
SECRET = "whsec_test-secret-0123456789"
BODY = b'{"event":"sequence.step","lead":{"email":"ada@example.com"}}'


def call(url: str, attempt: int = 1, **kw) -> WebhookCall:
    kw.setdefault("allow", LOCAL)
    return WebhookCall(
        url=url, body=BODY, secret=SECRET, idempotency_key="enr:3:0", attempt=attempt, **kw
    )


def docs_verify():
    """The receiver's verification example from docs/webhooks.md, run as written."""
    text = (ROOT / "docs" / "webhooks.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    assert len([line for line in block.splitlines() if line.strip()]) <= 10
    scope: dict = {}
    exec(compile(block, "docs/webhooks.md", "exec"), scope)
    return scope["verify"]


def test_503_twice_then_200_same_key_and_valid_signature_each_time():
    rng = random.Random(7)
    check = docs_verify()
    with tripwire() as wire, Receiver(Answer(503), Answer(503), Answer(200, body=b"thanks")) as rx:
        network = LoopbackOnly(wire)
        results = [
            deliver(call(rx.url, attempt), network=network, rng=rng) for attempt in (1, 2, 3)
        ]
    assert [r.outcome for r in results] == ["retryable", "retryable", "success"]
    assert [r.status for r in results] == [503, 503, 200]
    assert results[0].reason == "HTTP 503 Service Unavailable"
    assert 0 <= results[0].retry_in <= 30 and 0 <= results[1].retry_in <= 60
    assert results[2].retry_in is None and results[2].response_body == "thanks"
    assert len(rx.received) == 3 and wire.accepted == 0
    for got in rx.received:
        assert got.method == "POST" and got.path == "/hook" and got.body == BODY
        assert got.headers["Idempotency-Key"] == "enr:3:0"
        assert got.headers["Content-Type"] == "application/json"
        assert got.headers["User-Agent"] == "Sequences-Webhook/1"
        assert verify(got.headers[SIGNATURE_HEADER], got.body, SECRET)
        assert check(got.headers[SIGNATURE_HEADER], got.body, SECRET)
        assert not check(got.headers[SIGNATURE_HEADER], got.body + b" ", SECRET)
        assert not check(got.headers[SIGNATURE_HEADER], got.body, SECRET + "x")


def test_docs_example_refuses_an_old_signature():
    check = docs_verify()
    from sequences_core.webhooks.signing import sign

    assert check(sign(BODY, SECRET, int(time.time()) - 200), BODY, SECRET)
    assert not check(sign(BODY, SECRET, int(time.time()) - 400), BODY, SECRET)


def test_400_is_permanent_and_keeps_the_answer():
    with tripwire() as wire, Receiver(Answer(400, body=b'{"error":"no such lead"}')) as rx:
        result = deliver(call(rx.url), network=LoopbackOnly(wire))
    assert (result.outcome, result.status, result.retry_in) == ("permanent", 400, None)
    assert result.reason == "HTTP 400 Bad Request"
    assert result.response_body == '{"error":"no such lead"}'
    assert result.address == "127.0.0.1"


def test_retry_after_in_seconds_and_as_a_date_is_honoured():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 12, 4, 12, 2, tzinfo=UTC), usegmt=True)
    answers = (Answer(429, {"Retry-After": "7"}), Answer(503, {"Retry-After": later}))
    with tripwire() as wire, Receiver(*answers) as rx:
        network = LoopbackOnly(wire)
        first = deliver(call(rx.url), network=network, clock=lambda: now)
        second = deliver(call(rx.url), network=network, clock=lambda: now)
    assert (first.outcome, first.retry_in) == ("retryable", 7.0)
    assert (second.outcome, second.retry_in) == ("retryable", 120.0)


def test_only_the_first_2_kb_of_the_answer_is_kept():
    with tripwire() as wire, Receiver(Answer(500, body=b"x" * 100_000)) as rx:
        result = deliver(call(rx.url), network=LoopbackOnly(wire))
    assert result.outcome == "retryable" and len(result.response_body) == KEPT_BODY_BYTES


def test_put_with_configured_headers_that_cannot_replace_ours():
    own = {"Authorization": "Bearer abc", "content-type": "text/plain", "user-agent": "CRM/2"}
    with tripwire() as wire, Receiver(Answer(204)) as rx:
        result = deliver(call(rx.url, method="PUT", headers=own), network=LoopbackOnly(wire))
    [got] = rx.received
    assert result.outcome == "success" and got.method == "PUT"
    assert got.headers["Authorization"] == "Bearer abc"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers.get_all("User-Agent") == ["CRM/2"]  # the one of ours a step may replace
    assert got.headers.get_all("Content-Type") == ["application/json"]


REFUSED = [
    ("http://10.0.0.1:{port}/hook", "10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::ffff:127.0.0.1]:{port}/hook", "loopback address (127.0.0.0/8), in IPv4-mapped"),
    ("http://internal.test:{port}/hook", "internal.test resolves to 10.20.30.40, a private"),
    ("http://mixed.test:{port}/hook", "mixed.test resolves to 192.168.1.5"),
    ("http://2130706433:{port}/hook", "non-standard form"),
    ("http://public.test:22/hook", "port 22 is refused"),
    ("file:///etc/passwd", "only http and https"),
]
# Test names resolve to private addresses; none is ever looked up in real DNS.
FAKE_DNS = {
    "internal.test": ["10.20.30.40"],
    "mixed.test": ["93.184.216.34", "192.168.1.5"],
    "public.test": ["93.184.216.34"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    return FAKE_DNS[host]


@pytest.mark.parametrize(("url", "words"), REFUSED)
def test_refused_urls_make_no_connection(url, words):
    with tripwire() as wire:
        network = LoopbackOnly(wire)
        target = url.format(port=wire.port)
        result = deliver(call(target, allow=AllowList()), network=network, resolver=fake_resolver)
        time.sleep(0.05)  # a connection, had one been made, would be accepted by now
    assert result.outcome == "permanent" and result.reason.startswith("refused: ")
    assert words in result.reason
    assert network.dials == [] and wire.accepted == 0 and result.address is None


def test_allowed_local_server_still_refuses_other_private_addresses():
    with tripwire() as wire:
        network = LoopbackOnly(wire)
        result = deliver(call(f"http://10.0.0.1:{wire.port}/"), network=network)
    assert result.outcome == "permanent" and "10.0.0.1 is a private address" in result.reason
    assert network.dials == [] and wire.accepted == 0


def test_a_redirect_to_a_private_address_is_not_followed():
    moved = Answer(302, {"Location": "http://10.0.0.1/admin"})
    with tripwire() as wire, Receiver(moved) as rx:
        network = LoopbackOnly(wire)
        result = deliver(call(rx.url), network=network)
    assert result.outcome == "permanent"
    assert result.reason == "redirect not followed: HTTP 302 Found to http://10.0.0.1/admin"
    assert network.dials == [("127.0.0.1", rx.port)] and wire.accepted == 0
    assert len(rx.received) == 1


def test_dns_rebinding_the_call_goes_to_the_checked_address():
    """The resolver answers a public address, then 127.0.0.1: the guard asks once, and the
    connection goes to the public address (a fake network: nothing leaves the machine)."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    network = FakeNetwork()
    result = deliver(
        call("http://rebind.test:8080/hook", allow=AllowList()), network=network, resolver=rebinding
    )
    assert result.outcome == "success" and result.address == "93.184.216.34"
    assert network.dials == [("93.184.216.34", 8080)] and asked == ["rebind.test"]
    assert b"\r\nHost: rebind.test:8080\r\n" in network.written
    again = deliver(
        call("http://rebind.test:8080/hook", allow=AllowList()), network=network, resolver=rebinding
    )
    assert again.outcome == "permanent" and "resolves to 127.0.0.1" in again.reason
    assert network.dials == [("93.184.216.34", 8080)]


def test_tls_names_the_urls_host_while_dialling_the_checked_address():
    network = FakeNetwork()
    result = deliver(
        call("https://hooks.public.test/x", allow=AllowList()),
        network=network,
        resolver=lambda host, port: ["2606:4700::6810:85e5"],
    )
    assert result.outcome == "success"
    assert network.dials == [("2606:4700::6810:85e5", 443)]
    assert network.tls_names == ["hooks.public.test"]
    assert b"\r\nHost: hooks.public.test\r\n" in network.written


def test_proxies_from_the_environment_are_ignored(monkeypatch):
    with tripwire() as wire, Receiver(Answer(200)) as rx:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{wire.port}")
        result = deliver(call(rx.url), network=LoopbackOnly(wire))
    assert result.outcome == "success" and len(rx.received) == 1 and wire.accepted == 0


def test_a_dripping_receiver_is_cut_off_at_the_calls_timeout():
    """httpx's timeouts are per read; the call's own deadline bounds the whole exchange."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100:
            if stop.wait(0.1):
                break
            conn.sendall(bytes([byte]))
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    with tripwire() as wire:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        started = time.monotonic()
        result = deliver(call(url, timeout=1.0), network=LoopbackOnly(wire))
    stop.set()
    server.close()
    assert result.outcome == "retryable" and result.reason.startswith("timeout: ")
    assert time.monotonic() - started < 2.5


def test_a_closed_port_is_a_retryable_connection_error():
    with tripwire() as wire:
        spare = socket.create_server(("127.0.0.1", 0))
        port = spare.getsockname()[1]
        spare.close()
        result = deliver(call(f"http://127.0.0.1:{port}/"), network=LoopbackOnly(wire))
    assert result.outcome == "retryable" and result.reason.startswith("connection failed: ")
    assert result.retry_in is not None


def test_a_host_that_does_not_resolve_is_retryable():
    def nothing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    network = FakeNetwork()
    result = deliver(call("http://gone.test/"), network=network, resolver=nothing)
    assert result.outcome == "retryable" and result.reason.startswith("dns: gone.test")
    assert network.dials == []


def test_with_the_guard_broken_the_harness_still_keeps_the_call_on_loopback(monkeypatch):
    """What makes the tests above safe: with the guard switched off, the call to 10.0.0.1
    reaches the tripwire on 127.0.0.1 (and fails there), never the network."""
    from sequences_core.webhooks import client
    from sequences_core.webhooks.guard import Target

    def no_guard(url, allow, resolver):
        return Target(url, "http", "10.0.0.1", 80, ipaddress.ip_address("10.0.0.1"))

    monkeypatch.setattr(client, "check_url", no_guard)
    with tripwire() as wire:
        network = LoopbackOnly(wire)
        result = deliver(call("http://10.0.0.1/", allow=AllowList()), network=network)
        time.sleep(0.05)
    assert network.dials == [("10.0.0.1", 80)] and wire.accepted == 1
    assert result.outcome == "retryable"  # the tripwire hangs up


def test_a_2xx_whose_body_stalls_is_still_a_success():
    """The receiver answered 200 and then went quiet: it took the call, so retrying would
    only repeat it; what came of the body is kept."""
    server = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def stall() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\naccepted")
        done.wait(5)
        conn.close()

    threading.Thread(target=stall, daemon=True).start()
    with tripwire() as wire:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        result = deliver(call(url, timeout=1.0), network=LoopbackOnly(wire))
    done.set()
    server.close()
    assert (result.outcome, result.status, result.response_body) == ("success", 200, "accepted")
