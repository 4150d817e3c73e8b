"""What the issue-22 rows share: fast seeding, dispatcher processes, and watching PostgreSQL.

- `seed_due`: an organization, a mailbox, a one-email template, and `total` leads each
  enrolled, `due` of them due now, written by INSERT ... SELECT generate_series (a million
  rows in seconds; the services' path is measured by bulk_enroll).
- `run_dispatchers`: n dispatcher processes (spawned, like Airflow's task processes), each
  running what the mapped `send_batch` task runs (`dispatch_due` on its hash shard), released
  together; each reports its summary, wall time, CPU (user+sys) and peak RSS.
- `Watch`: samples PostgreSQL's CPU (postmaster and every backend, summed) and what its
  backends wait on (pg_stat_activity), while a measurement runs.
- `median_run` / `row`: three runs, the median one reported; one row shape for report.md.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psutil
import psycopg
from sqlalchemy import Engine, text

from sequences_core.db.models import Mailbox
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import TemplateCreate
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
T = TypeVar("T")

SEED_LEADS = """
INSERT INTO leads (organization_id, email, first_name, company)
SELECT :org, 'l' || g || '@bench.example', 'L' || g, 'Co ' || g
FROM generate_series(1, CAST(:n AS int)) g
"""
SEED_ENROLLMENTS = """
INSERT INTO sequence_enrollments (organization_id, lead_id, template_id, status, next_run_at)
SELECT :org, id, :tpl, 'active', CASE WHEN row_number() OVER () <= :due
    THEN now() - interval '1 minute' ELSE now() + interval '30 days' END
FROM leads WHERE organization_id = :org
"""


def seed_due(engine: Engine, total: int, due: int) -> uuid.UUID:
    """`total` leads enrolled in one email step, `due` of them due; ANALYZEd. The org's id."""
    from benchmarks.dispatch import ALWAYS, HTML, SUBJECT

    with UnitOfWork(engine) as uow:
        org = create_organization(uow, f"Bench {uuid.uuid4().hex[:6]}").organization.id
        uow.session.add(
            Mailbox(organization_id=org, from_email="dana@bench.example", daily_limit=10**8)
        )
        uow.commit()
        body = {"name": "B", "settings": ALWAYS}
        template = create_template(uow, org, TemplateCreate.model_validate(body))
        add_step(uow, org, template.id, "email", {"subject": SUBJECT, "html": HTML})
        uow.session.execute(text(SEED_LEADS), {"org": org, "n": total})
        params = {"org": org, "tpl": template.id, "due": due}
        uow.session.execute(text(SEED_ENROLLMENTS), params)
        uow.commit()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return org


REARM = """
UPDATE sequence_enrollments SET status = 'active', current_step = 0, completed_at = NULL,
    next_run_at = now() - interval '1 minute', last_step_at = NULL, thread_message_id = NULL,
    thread_subject = NULL WHERE status <> 'active' OR next_run_at <= now()
"""


def rearm(engine: Engine) -> None:
    """Make what the last run sent due again, as it was seeded: no executions, events or
    counters left; vacuumed (each run starts from the same tables, not last run's dead rows)."""
    with engine.begin() as conn:
        conn.execute(
            text("TRUNCATE sequence_email_events, sequence_step_executions, send_counters CASCADE")
        )
        conn.execute(text(REARM))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def median_run(
    measure: Callable[[int], T], key: Callable[[T], float], runs: int = RUNS
) -> tuple[T, list[T]]:
    """Measure `runs` times (each run with its own baseline): the run whose key is the
    median (not the best), and every run."""
    results = []
    for i in range(runs):
        print(f"  run {i + 1}/{runs}", flush=True)
        results.append(measure(i))
    ordered = sorted(results, key=key)
    return ordered[len(ordered) // 2], results


def row(
    what: str, figure: float, unit: str, *, baseline: float | str = "-", ratio: str = "-",
    target: str = "-", passed: bool | None = None, **extra: object,
) -> dict[str, object]:  # fmt: skip
    """One row as report.md reads it (`pass` only when the row has a target)."""
    out: dict[str, object] = {
        "what": what, "figure": round(figure, 3), "unit": unit, "baseline": baseline,
        "ratio": ratio, "target": target,
    }  # fmt: skip
    if passed is not None:
        out["pass"] = passed
    return {**out, **extra}


def spread(values: Sequence[float]) -> str:
    """The runs' range, for a row's notes."""
    return f"{min(values):,.2f}-{max(values):,.2f} over {len(values)} runs"


# --- PostgreSQL's CPU and waits ----------------------------------------------------------


def _postmaster(url: str) -> psutil.Process:
    with psycopg.connect(url) as conn:  # the backend's parent, asked while it lives
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        return psutil.Process(psutil.Process(backend).ppid())


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


@dataclass
class Watch:
    """PostgreSQL's CPU and its backends' waits, sampled every `every` seconds in a thread."""

    url: str  # plain libpq URL of the database watched
    every: float = 0.2
    progress_every: float = 0.0  # > 0: print how many executions are sent, this often
    waits: Counter[str] = field(default_factory=Counter)
    samples: int = 0
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _processes(self, postmaster: psutil.Process) -> list[psutil.Process]:
        return [postmaster, *postmaster.children()]

    def _sample_cpu(self, postmaster: psutil.Process, into: dict[int, float]) -> None:
        for proc in self._processes(postmaster):
            try:
                into[proc.pid] = _cpu(proc)
            except psutil.Error:
                continue  # a backend that just ended: its last sample stands

    def _sample_waits(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute(  # a lock wait names the statement waiting (its first words)
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')"
            " || CASE WHEN wait_event_type = 'Lock' THEN ' (' || left(regexp_replace("
            "    ltrim(query), '\\s+', ' ', 'g'), 32) || '…)' ELSE '' END FROM pg_stat_activity"
            " WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchall()
        self.waits.update(r[0] for r in rows)
        self.samples += 1

    def _run(self) -> None:
        postmaster = _postmaster(self.url)
        self._sample_cpu(postmaster, self._first)
        with psycopg.connect(self.url, autocommit=True) as conn:
            said = time.monotonic()
            while not self._stop.wait(self.every):
                self._sample_cpu(postmaster, self._last)
                self._sample_waits(conn)
                if self.progress_every and time.monotonic() - said > self.progress_every:
                    said = time.monotonic()
                    self._progress(conn)
        self._sample_cpu(postmaster, self._last)

    def _progress(self, conn: psycopg.Connection[Any]) -> None:
        sent = conn.execute(
            "SELECT count(*) FROM sequence_step_executions WHERE status = 'sent'"
        ).fetchone()
        print(f"    {sent[0] if sent else 0:,} sent", flush=True)

    def __enter__(self) -> Watch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    @property
    def cpu_seconds(self) -> float:
        return sum(last - self._first.get(pid, 0.0) for pid, last in self._last.items())

    def top_waits(self, n: int = 5) -> str:
        """Share of sampled active backends per wait (CPU: running, not waiting)."""
        total = sum(self.waits.values()) or 1
        return ", ".join(f"{k} {v / total:.0%}" for k, v in self.waits.most_common(n)) or "-"


# --- dispatcher processes ----------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    summary: dict[str, int]
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    idle_rss_mb: float


def _rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries that over
    exec from the forked copy of the parent, so a spawned child would report the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dispatcher(
    url: str, env: dict[str, str], shard: tuple[int, int] | None, ready: Any, go: Any, out: Any
) -> None:  # fmt: skip
    """A dispatcher process: what the mapped `send_batch` task runs, on one hash shard."""
    os.environ.update(env)
    from benchmarks.dispatch import NullSender
    from sequences_core.db.engine import build_engine
    from sequences_core.rules.tokens import Tokens
    from sequences_core.runtime.config import Settings
    from sequences_core.runtime.wiring import build_sender
    from sequences_core.services.dispatch import DispatchContext, DispatchScope, dispatch_due

    engine = build_engine(url)
    null = env.get("BENCH_SENDER") == "null"
    sender = NullSender() if null else build_sender(Settings.from_env(os.environ))
    ctx = DispatchContext(
        sender=sender, tokens=Tokens("bench"), public_url="https://t.example",
        now=lambda: datetime.now(UTC), batch_size=int(env.get("BENCH_BATCH", "500")),
    )  # fmt: skip
    with engine.connect() as conn:  # connected and warm before the clock starts
        conn.execute(text("SELECT 1"))
    idle = _rss_mb()
    ready.set()
    go.wait()
    cpu, start = time.process_time(), time.perf_counter()
    summary = dispatch_due(lambda: UnitOfWork(engine), ctx, DispatchScope(shard=shard))
    seconds = time.perf_counter() - start
    out.put(Report(summary.as_dict(), seconds, time.process_time() - cpu, _rss_mb(), idle))


def run_dispatchers(
    url: str, n: int, env: dict[str, str], *, sharded: bool = True,
    during: AbstractContextManager[Any] | None = None,
) -> list[Report]:  # fmt: skip
    """n dispatcher processes released at once (shard i of n each, unless not `sharded`);
    `during` is entered once all are ready and left when all have reported."""
    spawn = multiprocessing.get_context("spawn")
    go, out = spawn.Event(), spawn.Queue()
    readies = [spawn.Event() for _ in range(n)]
    procs = [
        spawn.Process(
            target=_dispatcher,
            args=(url, env, (i, n) if sharded else None, readies[i], go, out),
        )
        for i in range(n)
    ]
    for proc in procs:
        proc.start()
    for ready in readies:
        _wait(procs, ready.is_set, 120, "start")
    reports = []
    with during or nullcontext():
        go.set()
        for _ in procs:
            _wait(procs, lambda: not out.empty(), 7200, "finish")
            reports.append(out.get())
    for proc in procs:
        proc.join(60)
    return reports


def _wait(procs: Sequence[Any], done: Callable[[], bool], seconds: float, what: str) -> None:
    """Until `done()`, failing at once when a dispatcher died (not after the timeout)."""
    deadline = time.monotonic() + seconds
    while not done():
        dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
        if dead or time.monotonic() > deadline:
            for proc in procs:
                proc.kill()
            raise RuntimeError(f"a dispatcher did not {what} (exit codes {dead})")
        time.sleep(0.05)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
