"""The SES stand-in's own throughput, beside the dispatch rate it must not hold back.

Issue 22 asks the stand-in to answer >= 3x what the engine dispatches through SES, so that a
chaos or scale-out run measures the engine, not the stand-in. The stand-in runs as its CLI
does, in a process of its own, recording every message with fsync, no faults. Clients:

- a bare boto3 `sesv2.send_email` loop from 8 threads in one process (how one dispatcher
  process drives SES), then from 2 processes of 8 threads (all this host's cores);
- wrk (C) POSTing one SendEmail body over 32 connections (4 dispatchers' send threads): next
  to no client CPU, so this row is the stand-in's own ceiling on this host;
- the same with `--no-fsync`: what the fsyncs cost on this host's shared disk.

On this 2-core host boto3's CPU per call holds its loops back (its rows show what one
dispatcher's, then every core's, boto3 gets from the stand-in: more than the dispatch rate),
so the target, 3x the last measured dispatch rate through the SES sender
(`results/dispatch.json`, row (b), default processes), is judged on the wrk row. Each row also
gives the stand-in's CPU time per request (from /proc, its journal thread's fsyncs included),
which grows when requests come one at a time (an epoll wake-up and an fsync each).
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from benchmarks.harness import RESULTS, report

N = int(os.environ.get("BENCH_STANDIN_N", "6000"))  # requests per row
THREADS = 8
WRK_SECONDS = int(os.environ.get("BENCH_STANDIN_WRK_SECONDS", "5"))
WRK_CONNECTIONS = 32  # a chaos run's 4 dispatchers x 8 send threads
PROCESSES = 2
DISPATCH_ROW = "(b) engine, SES sender (default"


def _sample_email() -> bytes:
    from benchmarks.dispatch import sample_email  # the size the engine sends

    return sample_email()


def _client(endpoint: str) -> Any:
    import boto3

    from sequences_core.senders.ses import client_config

    return boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=client_config(THREADS),
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def _threads(n: int, call: Callable[[int], None]) -> None:
    """`call(i)` for i in range(n), spread over THREADS threads."""

    def run(offset: int) -> None:
        for i in range(offset, n, THREADS):
            call(i)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _boto3_calls(client: Any, raw: bytes) -> Callable[[int], None]:
    def call(i: int) -> None:
        client.send_email(
            FromEmailAddress="dana@bench.example",
            Destination={"ToAddresses": [f"l{i}@bench.example"]},
            Content={"Raw": {"Data": raw}},
            EmailTags=[{"Name": "execution_id", "Value": f"{os.getpid()}-{i}"}],
        )

    call(-1)  # connect and warm up before the clock starts
    return call


def _boto3_process(endpoint: str, raw: bytes, n: int, ready: Event, go: Event) -> None:
    call = _boto3_calls(_client(endpoint), raw)
    ready.set()
    go.wait()
    _threads(n, call)


def _wrk(endpoint: str, raw: bytes, tmp: Path) -> Callable[[], int]:
    """wrk POSTing one SendEmail body over WRK_CONNECTIONS connections for WRK_SECONDS;
    returns how many requests it completed (all must be 200s)."""
    body = json.dumps({
        "FromEmailAddress": "dana@bench.example",
        "Destination": {"ToAddresses": ["l0@bench.example"]},
        "Content": {"Raw": {"Data": base64.b64encode(raw).decode()}},
        "EmailTags": [{"Name": "execution_id", "Value": "wrk"}],
    })  # fmt: skip
    (tmp / "body.json").write_text(body)
    script = tmp / "send_email.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.path = "/v2/email/outbound-emails"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'local f = io.open("{tmp / "body.json"}", "rb")\nwrk.body = f:read("*all")\nf:close()\n'
    )

    argv = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "-s", str(script)]

    def run() -> int:
        out = subprocess.run(
            [*argv, endpoint],
            check=True,
            capture_output=True,
            text=True,
            timeout=WRK_SECONDS + 30,
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"the stand-in answered errors to wrk:\n{out}")
        return int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]

    return run


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dispatch_rate() -> float | None:
    try:
        rows = json.loads((RESULTS / "dispatch.json").read_text())["rows"]
    except (OSError, ValueError, KeyError):
        return None
    rates = [r["per_s"] for r in rows if str(r.get("what", "")).startswith(DISPATCH_ROW)]
    return float(rates[0]) if rates else None


def _measure(pid: int, run: Callable[[], int]) -> tuple[int, float, float]:
    """Requests, requests/s, and the stand-in's CPU seconds per request, over one run."""
    cpu = _cpu_seconds(pid)
    start = time.perf_counter()
    n = run()
    seconds = time.perf_counter() - start
    return n, n / seconds, (_cpu_seconds(pid) - cpu) / n


def _two_processes(endpoint: str, raw: bytes) -> Callable[[], int]:
    """Starts the client processes; the callable releases them and waits for them."""
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Event()
    readies = [spawn.Event() for _ in range(PROCESSES)]
    procs = [
        spawn.Process(target=_boto3_process, args=(endpoint, raw, N // PROCESSES, r, go))
        for r in readies
    ]
    for proc in procs:
        proc.start()
    for ready in readies:
        if not ready.wait(60):
            raise RuntimeError("a client process did not start")

    def run() -> int:
        go.set()
        for proc in procs:
            proc.join(120)
            if proc.exitcode != 0:
                raise RuntimeError(f"a client process ended with {proc.exitcode}")
        return N // PROCESSES * PROCESSES

    return run


def _in_threads(call: Callable[[int], None]) -> Callable[[], int]:
    def run() -> int:
        _threads(N, call)
        return N

    return run


@contextmanager
def _standin(record: Path, *flags: str) -> Iterator[tuple[str, int]]:
    """The stand-in's CLI in a process of its own: (endpoint, pid). On the way out, checks that
    every send it answered as sent is in its record file."""
    argv = [sys.executable, "-m", "benchmarks.support.ses_standin", "--record", str(record)]
    proc = subprocess.Popen([*argv, *flags], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().split()[1], proc.pid
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    sent = json.loads(out.splitlines()[-1])["sent"]
    recorded = sum(1 for _ in record.open())
    if recorded != sent:
        raise RuntimeError(f"{sent} answered as sent, {recorded} recorded")


def main() -> None:
    raw = _sample_email()
    with tempfile.TemporaryDirectory() as tmp:
        with _standin(Path(tmp) / "fsync.jsonl") as (endpoint, pid):
            runs = [
                (
                    f"bare boto3 loop, {THREADS} threads",
                    _in_threads(_boto3_calls(_client(endpoint), raw)),
                ),
                (
                    f"bare boto3 loop, {PROCESSES} processes x {THREADS} threads",
                    _two_processes(endpoint, raw),
                ),
                (
                    f"wrk, {WRK_CONNECTIONS} connections (a client in C)",
                    _wrk(endpoint, raw, Path(tmp)),
                ),
            ]
            measured = [(what, *_measure(pid, run)) for what, run in runs]
        with _standin(Path(tmp) / "no-fsync.jsonl", "--no-fsync") as (endpoint, pid):
            runs = [
                (
                    f"bare boto3 loop, {THREADS} threads, --no-fsync",
                    _in_threads(_boto3_calls(_client(endpoint), raw)),
                ),
                (f"wrk, {WRK_CONNECTIONS} connections, --no-fsync", _wrk(endpoint, raw, Path(tmp))),
            ]
            measured += [(what, *_measure(pid, run)) for what, run in runs]
    dispatch = _dispatch_rate()
    target = 3 * dispatch if dispatch else None
    rows: list[dict[str, object]] = [
        {
            "what": "dispatch through the SES sender (results/dispatch.json, (b))",
            "requests": "-",
            "per_s": dispatch or "not measured",
            "x_dispatch": "-",
            "standin_cpu_us": "-",
            "target": "-",
            "result": "-",
        }
    ]
    for what, n, per_s, cpu in measured:
        # wrk is the only client not in its way; the fsync'd stand-in is the one chaos runs use
        judged = target if what.startswith("wrk") and "no-fsync" not in what else None
        rows.append({
            "what": what,
            "requests": n,
            "per_s": per_s,
            "x_dispatch": f"{per_s / dispatch:.1f}" if dispatch else "-",
            "standin_cpu_us": cpu * 1e6,
            "target": f">= {judged:,.0f}/s (3x dispatch)" if judged else "-",
            "result": "-" if not judged else "pass" if per_s >= judged else "FAIL",
        })  # fmt: skip
    report("standin", rows)


if __name__ == "__main__":
    main()
