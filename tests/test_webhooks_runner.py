"""Concurrent webhook calls: bounded in flight and per host, collected later, never past the
batch's deadline. The calls here are fakes that sleep; one test runs real ones on loopback."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sequences_core.webhooks.client import Delivery, WebhookCall, deliver
from sequences_core.webhooks.guard import AllowList
from sequences_core.webhooks.runner import WebhookRunner
from tests.webhook_support import Answer, LoopbackOnly, Receiver, tripwire


def calls(hosts: dict[str, int]) -> list[WebhookCall]:
    return [
        WebhookCall(
            url=f"https://{host}/h", body=b"{}", secret="s" * 16, idempotency_key=f"{host}:{i}"
        )
        for host, count in hosts.items()
        for i in range(count)
    ]


class Meter:
    """A fake delivery that takes `seconds` and records how many ran at once, per host."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total = self.peak_total = 0

    def __call__(self, call: WebhookCall, budget: float) -> Delivery:
        host = call.url.split("/")[2]
        with self.lock:
            self.now[host] += 1
            self.total += 1
            self.peak[host] = max(self.peak[host], self.now[host])
            self.peak_total = max(self.peak_total, self.total)
        time.sleep(self.seconds)
        with self.lock:
            self.now[host] -= 1
            self.total -= 1
        return Delivery(call=call, outcome="success", reason="HTTP 200 OK", status=200)


def test_at_most_16_in_flight_and_4_per_host_and_every_result_returned():
    meter = Meter()
    batch = calls({"slow.test": 30, **{f"h{i}.test": 3 for i in range(10)}})
    with WebhookRunner(meter) as runner:
        started = time.monotonic()
        handle = runner.submit(batch, deadline=30)
        assert time.monotonic() - started < 0.05  # submitting does not wait for the calls
        results = handle.results()
    assert sorted(r.call.idempotency_key for r in results) == sorted(
        c.idempotency_key for c in batch
    )
    assert all(r.outcome == "success" for r in results) and handle.done()
    assert meter.peak_total == 16
    assert max(meter.peak.values()) == 4


def test_one_slow_host_does_not_hold_up_the_others():
    """Eight calls to a host that takes 1 s each need two rounds of four; the other host's
    calls run beside them rather than behind them."""
    finished: dict[str, float] = {}
    started = time.monotonic()

    def slow_or_fast(call: WebhookCall, budget: float) -> Delivery:
        time.sleep(0.5 if "slow" in call.url else 0.01)
        finished[call.idempotency_key] = time.monotonic() - started
        return Delivery(call=call, outcome="success", reason="HTTP 200 OK")

    with WebhookRunner(slow_or_fast) as runner:
        runner.submit(calls({"slow.test": 8, "fast.test": 8}), deadline=10).results()
    fast = [t for key, t in finished.items() if key.startswith("fast")]
    assert max(fast) < 0.4 and max(finished.values()) >= 0.9


def test_results_come_back_by_the_deadline_even_if_calls_hang():
    release = threading.Event()

    def hangs(call: WebhookCall, budget: float) -> Delivery:
        release.wait(5)
        return Delivery(call=call, outcome="success", reason="late")

    with WebhookRunner(hangs) as runner:
        started = time.monotonic()
        results = runner.submit(calls({"a.test": 6}), deadline=0.3).results()
        took = time.monotonic() - started
        release.set()
    assert 0.25 <= took < 1.0
    assert [r.outcome for r in results] == ["retryable"] * 6
    assert {r.reason for r in results} == {"no answer before the batch's deadline"}


def test_calls_that_would_start_after_the_deadline_are_not_made():
    made: list[str] = []

    def slow(call: WebhookCall, budget: float) -> Delivery:
        made.append(call.idempotency_key)
        time.sleep(0.3)
        return Delivery(call=call, outcome="success", reason="HTTP 200 OK")

    with WebhookRunner(slow, in_flight=1) as runner:
        runner.submit(calls({"a.test": 3}), deadline=0.2).results()
        time.sleep(0.8)  # the queued two get their turn after the deadline
    assert made == ["a.test:0"]


def test_a_crashing_delivery_is_reported_not_lost():
    def broken(call: WebhookCall, budget: float) -> Delivery:
        raise RuntimeError("bug")

    with WebhookRunner(broken) as runner:
        [result] = runner.submit(calls({"a.test": 1}), deadline=5).results()
    assert result.outcome == "retryable" and "RuntimeError: bug" in result.reason


def test_the_budget_passed_to_each_call_is_what_is_left_of_the_deadline():
    budgets: list[float] = []

    def note(call: WebhookCall, budget: float) -> Delivery:
        budgets.append(budget)
        return Delivery(call=call, outcome="success", reason="ok")

    with WebhookRunner(note) as runner:
        runner.submit(calls({"a.test": 1}), deadline=3).results()
    assert 2.5 < budgets[0] <= 3


def test_real_calls_through_the_runner_on_loopback():
    allow = AllowList.parse(["127.0.0.1"])
    with tripwire() as wire, Receiver(Answer(200), Answer(200), Answer(503)) as rx:
        network = LoopbackOnly(wire)

        def real(call: WebhookCall, budget: float) -> Delivery:
            return deliver(call, budget=budget, network=network)

        batch = [
            WebhookCall(
                url=rx.url, body=b"{}", secret="s" * 16, idempotency_key=str(i), allow=allow
            )
            for i in range(3)
        ]
        with WebhookRunner(real) as runner:
            results = runner.submit(batch, deadline=10).results()
    assert sorted(r.outcome for r in results) == ["retryable", "success", "success"]
    assert len(rx.received) == 3 and wire.accepted == 0
