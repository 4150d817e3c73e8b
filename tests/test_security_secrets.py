"""Secrets never show again after they are created: API keys, a webhook step's signing secret
and its secret header, AWS credentials and the app's secret key appear in no log line of a
full cycle (every logger at DEBUG) and in no API answer but the one that created them; every
resource that holds one answers it masked."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import boto3
import pytest

from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_sender
from sequences_core.schemas import SECRET_MASK
from tests.api_support import ALWAYS_OPEN, API, SECRET, build_app, tenant
from tests.webhook_support import Receiver

PARAM = re.compile(r"<(\w+)>")


def _everything_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)


def _logged_one(record: logging.LogRecord) -> str:
    """A record as written, and its raw parts (a formatter could show any of them)."""
    return f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {record.__dict__!r}"


def _get_everything(app: Any, acme: Any, ids: dict[str, str]) -> dict[str, str]:
    """Every GET route of the API, its path parameters filled from `ids`: path -> body."""
    answers = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith(API):
            continue
        names = PARAM.findall(rule.rule)
        if any(name not in ids for name in names):
            continue
        path = PARAM.sub(lambda m: ids[m[1]], rule.rule)
        query = f"?template_id={ids['template_id']}" if path.endswith("/steps") else ""
        answer = acme.get(path + query)
        answers[path] = answer.get_data().decode("utf-8", "replace")
    return answers


@pytest.mark.timeout(120)
def test_no_secret_in_logs_or_answers_after_creation(
    clean_db, tmp_path, moto_server, monkeypatch, caplog
):
    aws_key, aws_secret = "AKIA" + secrets.token_hex(8).upper(), "aws-" + secrets.token_hex(16)
    env = {"AWS_ACCESS_KEY_ID": aws_key, "AWS_SECRET_ACCESS_KEY": aws_secret,
           "AWS_ENDPOINT_URL": moto_server, "SEQUENCES_SENDER": "ses"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity="sender.example"
    )
    _everything_at_debug(caplog)
    app = build_app(clean_db, tmp_path, sender_factory=lambda: build_sender(Settings.from_env()))
    acme = tenant(clean_db, app.test_client(), "Acme")
    made = acme.post(f"{API}/api-keys", {"name": "ci"}).json
    step_secret = "whsec_" + secrets.token_hex(16)
    header_secret = "Bearer " + secrets.token_hex(16)
    with Receiver() as hook:
        acme.client.patch(f"{API}/organization", headers=acme.auth,
                          json={"webhook_allow": ["127.0.0.1"]})  # fmt: skip
        box = acme.post(f"{API}/mailboxes", {"from_email": "dana@sender.example"}).json
        template = acme.post(f"{API}/templates", {"name": "CRM", "settings": ALWAYS_OPEN}).json
        config = {"url": hook.url, "secret": step_secret, "body": '{"who": "{{ email }}"}',
                  "headers": {"Authorization": header_secret}}  # fmt: skip
        step = acme.post(f"{API}/steps", {"template_id": template["id"], "type": "webhook",
                                          "config": config})  # fmt: skip
        assert step.status_code == 201, step.json
        acme.post(f"{API}/steps", {"template_id": template["id"], "type": "email",
                                   "config": {"subject": "Hi", "html": "<p>Hi</p>"}})  # fmt: skip
        lead = acme.post(f"{API}/leads", {"email": "ann@lead.example"}).json
        enrolment = {"template_id": template["id"], "lead_id": lead["id"]}
        enrolled = acme.post(f"{API}/enrollments", enrolment).json
        calls = acme.post(f"{API}/execute", {}).json["summary"]
        sends = acme.post(f"{API}/execute", {}).json["summary"]
    app.extensions["sequences"].hits.close()
    # The cycle really used each secret, so their absence below is not for want of use.
    assert calls["webhooks_called"] == 1 and sends["sent"] == 1, (calls, sends)
    [call] = hook.received
    assert call.headers["Authorization"] == header_secret and call.headers["Sequences-Signature"]
    ids = {"template_id": template["id"], "step_id": step.json["id"], "lead_id": lead["id"],
           "mailbox_id": box["id"], "enrollment_id": enrolled["id"],
           "key_id": made["id"]}  # fmt: skip
    answers = _get_everything(app, acme, ids)
    assert len(answers) >= 15, sorted(answers)
    [saved] = [s for s in acme.get(f"{API}/steps?template_id={template['id']}").json["items"]
               if s["type"] == "webhook"]  # fmt: skip
    assert saved["config"]["secret"] == SECRET_MASK
    assert saved["config"]["headers"]["Authorization"] == SECRET_MASK
    assert len(caplog.records) > 50  # the capture saw the cycle
    for name, value in (("API key", acme.key), ("second API key", made["key"]),
                        ("webhook secret", step_secret), ("secret header", header_secret),
                        ("AWS secret key", aws_secret), ("app secret key", SECRET)):  # fmt: skip
        leaks = [path for path, body in answers.items() if value in body]
        assert not leaks, f"{name} in the answer of {leaks}"
        loggers = sorted({r.name for r in caplog.records if value in _logged_one(r)})
        assert not loggers, f"{name} logged by {loggers}"


def test_sql_logged_at_debug_shows_neither_parameters_nor_rows(clean_db, caplog):
    """What the engine fix does, alone: without `hide_parameters` the value is logged with
    the INSERT, without the row filter with the SELECT's row."""
    from sqlalchemy import text

    _everything_at_debug(caplog)
    value = "whsec_" + secrets.token_hex(16)
    with clean_db.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE held (secret text)"))
        conn.execute(text("INSERT INTO held VALUES (:v)"), {"v": value})
        assert conn.execute(text("SELECT secret FROM held")).scalar_one() == value
    statements = [r for r in caplog.records if r.name == "sqlalchemy.engine.Engine"]
    assert any("INSERT INTO held" in r.getMessage() for r in statements)  # SQL still logged
    assert not [r.name for r in caplog.records if value in _logged_one(r)]
