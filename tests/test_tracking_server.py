"""The real gunicorn server on 127.0.0.1: the API end to end, and no hit lost on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import text

from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import free_port
from sequences_core.services.organizations import create_organization
from tests.api_support import ALWAYS_OPEN, SECRET

ROOT = Path(__file__).resolve().parent.parent
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)"


def call(base: str, method: str, path: str, key: str | None = None, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {key}"} if key else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def server(db_url, clean_db, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SEQUENCES_DATABASE_URL": db_url,
        "SEQUENCES_SECRET_KEY": SECRET,
        "SEQUENCES_VAR_DIR": str(tmp_path),
        "SEQUENCES_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SEQUENCES_TRACKING_BIND": f"127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "tracking_app" / "gunicorn_conf.py")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if call(base, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not come up: " + process.stdout.read().decode()[-2000:])
    yield base, process, tmp_path
    if process.poll() is None:
        process.kill()
        process.wait()


def test_api_end_to_end_and_every_hit_recorded_after_sigterm(server, clean_db):
    base, process, var = server
    with UnitOfWork(clean_db) as uow:
        key = create_organization(uow, "Acme").api_key
    assert (
        call(base, "POST", "/api/sequences/mailboxes", key, {"from_email": "d@acme.example"})[0]
        == 201
    )
    status, raw = call(
        base, "POST", "/api/sequences/templates", key, {"name": "T", "settings": ALWAYS_OPEN}
    )
    template = json.loads(raw)["id"]
    html = '<p><a href="https://example.com/x">x</a></p>'
    step = {"template_id": template, "type": "email", "config": {"subject": "Hi", "html": html}}
    assert call(base, "POST", "/api/sequences/steps", key, step)[0] == 201
    leads = [{"email": f"l{i}@lead.example"} for i in range(3)]
    status, raw = call(base, "POST", "/api/sequences/enrollments/bulk", key,
                       {"template_id": template, "leads": leads})  # fmt: skip
    assert status == 200 and json.loads(raw)["enrolled"] == 3
    status, raw = call(base, "POST", "/api/sequences/execute", key, {})
    assert json.loads(raw)["summary"]["sent"] == 3
    assert call(base, "GET", "/api/sequences/templates", None)[0] == 401
    with clean_db.begin() as conn:  # the sends happened a while ago: hits are not prefetches
        conn.execute(
            text("UPDATE sequence_step_executions SET completed_at = now() - interval '1 hour'")
        )
    pixels = []
    for eml in (var / "outbox").glob("*.eml"):
        body = eml.read_text()
        joined = re.sub(r"=\r?\n", "", body).replace("=3D", "=")
        pixels.append(unescape(re.search(r'<img src="([^"]+)"', joined).group(1)))
    assert len(pixels) == 3

    def hit(i: int) -> int:
        request = urllib.request.Request(pixels[i % 3], headers={"User-Agent": OUTLOOK})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.read()[:6] == b"GIF89a"
            return answer.status

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(hit, range(300))) == {200}
    process.send_signal(signal.SIGTERM)  # graceful stop right after the load
    assert process.wait(timeout=30) == 0
    with clean_db.connect() as conn:
        recorded = conn.execute(
            text("SELECT count(*) FROM sequence_email_events WHERE type = 'open'")
        ).scalar()
    assert recorded == 300


def test_a_revoked_key_is_refused_at_once_by_every_worker(server, clean_db):
    """Each kept-alive connection stays with the worker that took it: find two workers, let
    both accept the key, revoke it through one, and the other refuses it on its next request."""
    import http.client

    base, _process, _var = server
    with UnitOfWork(clean_db) as uow:
        admin = create_organization(uow, "Acme").api_key
    status, raw = call(base, "POST", "/api/sequences/api-keys", admin, {"name": "ci"})
    assert status == 201
    created = json.loads(raw)
    port = int(base.rsplit(":", 1)[1])
    workers: dict[int, http.client.HTTPConnection] = {}
    deadline = time.monotonic() + 30  # the other workers may still be booting under load
    while len(workers) < 2 and time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        found = json.loads(conn.getresponse().read())["worker"]
        if workers.setdefault(found, conn) is not conn:
            conn.close()
            time.sleep(0.05)
    assert len(workers) == 2, "gunicorn served every connection from one worker"

    def get(conn: http.client.HTTPConnection, key: str) -> int:
        conn.request("GET", "/api/sequences/templates", headers={"Authorization": f"Bearer {key}"})
        answer = conn.getresponse()
        answer.read()
        return answer.status

    first, second = workers.values()
    assert get(first, created["key"]) == get(second, created["key"]) == 200
    first.request(
        "DELETE", f"/api/sequences/api-keys/{created['id']}",
        headers={"Authorization": f"Bearer {admin}"},
    )  # fmt: skip
    revoked = first.getresponse()
    assert revoked.status == 200 and json.loads(revoked.read())["revoked_at"]
    assert get(second, created["key"]) == 401
    assert get(first, created["key"]) == 401
    assert get(second, admin) == 200
