"""The DAGs end to end with `dag.test()`: real PostgreSQL (Airflow's metadata too) and moto.

Enrol leads in many zones → `sequences_dispatch` sends the first step to those inside their
window (read back from SES in moto) and defers the rest to their next allowed instant →
SES bounce/complaint notifications on SQS and a reply in S3 → `sequences_feedback` → a
second `sequences_dispatch` sends nothing to those three and the next step to the others.
"""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select, text

from sequences_core.db.models import (
    Lead,
    Organization,
    SequenceEnrollment,
    SequenceStepExecution,
)
from sequences_core.rules.schedule import is_allowed, next_allowed_instant
from sequences_core.rules.sending import send_rules
from sequences_core.runtime.config import SEND_SLOTS
from sequences_core.schemas import LeadIn, template_settings
from tests.test_dispatch import email_step, enrol, mailbox, sequence
from tests.test_feedback_e2e import reply, ses_event, sns

ROOT = Path(__file__).resolve().parent.parent
ZONES = [
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Berlin",
    "Europe/London",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Asia/Dubai",
    "Australia/Sydney",
]


@pytest.fixture(scope="session")
def airflow_env(pg_server, worker, tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    meta = pg_server.fresh_database(f"airflow_meta_{worker}")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta.replace(
            "postgresql://", "postgresql+psycopg://"
        ),
        "PYTHONPATH": str(ROOT),
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run(
        [airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    subprocess.run(
        [airflow, "pools", "set", "ses_send", str(SEND_SLOTS), "bounds concurrent SES sends"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def dag_env(airflow_env: dict[str, str], db_url: str, moto_server: str) -> dict[str, str]:
    """Airflow's environment with the two connections the DAGs use: our database and moto."""
    aws = {"region_name": "us-east-1", "endpoint_url": moto_server}
    return {
        **airflow_env,
        "AIRFLOW_CONN_SEQUENCES_DB": db_url,
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
            {"conn_type": "aws", "login": "testing", "password": "testing", "extra": aws}
        ),
    }


def recipient(message) -> str:
    found = message.destinations
    return found["ToAddresses"][0] if isinstance(found, dict) else found[0]


def run_dag(env, dag_id: str, params: dict | None = None) -> dict:
    argv = [sys.executable, str(ROOT / "tests" / "run_dag.py"), dag_id]
    if params:
        argv.append(json.dumps(params))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.timeout(900)
def test_dispatch_feedback_dispatch_through_airflow(
    airflow_env, db_url, uow, org_id, new_uow, moto_server
):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    aws = {"region_name": "us-east-1", "endpoint_url": moto_server}
    sqs, s3 = boto3.client("sqs", **aws), boto3.client("s3", **aws)
    boto3.client("sesv2", **aws).create_email_identity(EmailIdentity="sender.example")
    queue_url = sqs.create_queue(QueueName=f"dag-events-{org_id.hex[:8]}")["QueueUrl"]
    bucket = f"dag-inbound-{org_id.hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    env = {
        **dag_env(airflow_env, db_url, moto_server),
        "SEQUENCES_DATABASE_URL": "postgresql://ignored-inside-airflow@127.0.0.1:1/none",
        "SEQUENCES_SENDER": "ses",
        "SEQUENCES_SECRET_KEY": "dag-test",
        "SEQUENCES_PUBLIC_URL": "https://track.example",
        "SEQUENCES_SES_EVENTS_QUEUE_URL": queue_url,
        "SEQUENCES_INBOUND_BUCKET": bucket,
    }
    mailbox(uow, org_id)
    template = sequence(
        uow,
        org_id,
        [email_step("Hello"), ("wait", {"hours": 1}), email_step("Following up")],
        # every day, so that at any hour some of the 12 zones are inside 09:00-17:00
        send_window={"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5, 6, 7]},
        skip_weekends=False,
        jitter_minutes=0,
    )
    leads = [
        LeadIn(email=f"l{i}@lead.example", first_name=f"L{i}", timezone=zone)
        for i, zone in enumerate(ZONES)
    ]
    started = datetime.now(UTC)
    enrol(uow, org_id, template, leads, started - timedelta(minutes=1))
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    before = len(backend.sent_messages)

    first = run_dag(env, "sequences_dispatch")
    assert first["state"] == "success", first
    pushed = first["returned"]["summarise"]  # the run's summary, as its XCom
    assert any(t.startswith("send_batch[") for t in first["tasks"]), first

    with new_uow() as read:
        rows = read.session.execute(
            select(Lead, SequenceEnrollment).join(
                SequenceEnrollment, SequenceEnrollment.lead_id == Lead.id
            )
        ).all()
        settings = template_settings(
            read.session.execute(
                text("SELECT settings FROM sequence_templates WHERE id = :t"), {"t": template}
            ).scalar_one()
        )
        org = read.session.get(Organization, org_id)
        executions = {
            x.enrollment_id: x for x in read.session.scalars(select(SequenceStepExecution))
        }
    sent_to = {lead.email for lead, e in rows if e.id in executions}
    assert len(backend.sent_messages) - before == len(sent_to) == pushed["sent"]
    assert pushed["deferred_window"] == len(rows) - len(sent_to)
    for lead, enrollment in rows:
        rules = send_rules(settings, lead, org)
        if lead.email in sent_to:
            assert is_allowed(executions[enrollment.id].attempted_at, rules), lead.timezone
        else:  # deferred to exactly its next allowed instant (no jitter configured)
            assert enrollment.next_run_at == next_allowed_instant(started, rules) or (
                enrollment.next_run_at >= started and is_allowed(enrollment.next_run_at, rules)
            ), lead.timezone
    for message in backend.sent_messages[before:]:
        raw = email.message_from_bytes(message.raw_data.encode(), policy=policy.default)
        html = raw.get_body(("html",)).get_content()
        assert "track/open?eid=" in html and raw["List-Unsubscribe-Post"]
    if len(sent_to) < 3:
        pytest.skip(f"only {len(sent_to)} leads inside their window now; need 3 for feedback")

    bounced, complained, replied = sorted(sent_to)[:3]
    by_email = {lead.email: executions[e.id] for lead, e in rows if e.id in executions}
    now = datetime.now(UTC)
    ses_ids = {
        m.raw_data.split("Message-ID: ")[1].split("\r\n")[0]: m.id for m in backend.sent_messages
    }
    for who in (bounced, complained):
        assert by_email[who].provider_message_id in ses_ids.values()
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=sns(
            ses_event(
                "Bounce",
                by_email[bounced],
                bounced,
                now,
                bounceType="Permanent",
                bounceSubType="General",
                feedbackId="dag-fb-1",
                bouncedRecipients=[{"emailAddress": bounced}],
            )
        ),
    )
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=ses_event(
            "Complaint",
            by_email[complained],
            complained,
            now,
            feedbackId="dag-fb-2",
            complainedRecipients=[{"emailAddress": complained}],
        ),
    )
    s3.put_object(
        Bucket=bucket,
        Key="inbound/reply.eml",
        Body=reply(
            by_email[replied].message_id_header, replied, "Re: Hello", "Yes, let's talk.", now
        ),
    )

    feedback = run_dag(env, "sequences_feedback")
    assert feedback["state"] == "success", feedback
    applied = feedback["returned"]["ingest"]
    assert (applied["hard_bounces"], applied["complaints"], applied["replies"]) == (1, 1, 1)
    with new_uow() as write:  # the hour's wait has passed for everyone who got step one
        write.session.execute(
            text(
                "UPDATE sequence_enrollments SET next_run_at = now() - interval '1 minute',"
                " last_step_at = now() - interval '2 hours'"
                " WHERE status = 'active' AND current_step > 0"
            )
        )
        write.commit()
    middle = len(backend.sent_messages)
    second_started = datetime.now(UTC)
    second = run_dag(env, "sequences_dispatch", {"shards": 2})
    second_done = datetime.now(UTC)
    assert second["state"] == "success", second
    followed = {recipient(m) for m in backend.sent_messages[middle:]}
    assert not followed & {bounced, complained, replied}
    with new_uow() as read:
        status = dict(
            read.session.execute(
                select(Lead.email, SequenceEnrollment.status).join(SequenceEnrollment)
            ).all()
        )
    assert (status[bounced], status[complained], status[replied]) == (
        "bounced",
        "unsubscribed",
        "paused",
    )
    # The follow-up goes to everyone else whose window is open; a lead whose local day ended
    # since the first run (late afternoon somewhere, as the clock runs) waits for tomorrow.
    rules = {lead.email: send_rules(settings, lead, org) for lead, _ in rows}
    others = sent_to - {bounced, complained, replied}
    open_now = {
        e for e in others if all(is_allowed(t, rules[e]) for t in (second_started, second_done))
    }
    closed_now = {
        e for e in others if not any(is_allowed(t, rules[e]) for t in (second_started, second_done))
    }
    assert open_now <= followed and not closed_now & followed

    maintenance = run_dag(env, "sequences_maintenance")
    assert maintenance["state"] == "success", maintenance
    assert maintenance["returned"]["refresh_metrics"] == 1
    with new_uow() as read:
        cached = read.session.execute(
            text("SELECT metrics FROM sequence_templates WHERE id = :t"), {"t": template}
        ).scalar_one()
    assert cached["sent"] == len(backend.sent_messages) - before and cached["bounces"] == 1


@pytest.mark.timeout(900)
def test_two_send_batches_over_the_same_shard_send_each_email_once(
    airflow_env, db_url, uow, org_id, new_uow, moto_server
):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    env = {
        **dag_env(airflow_env, db_url, moto_server),
        "SEQUENCES_SENDER": "ses",
        "SEQUENCES_SES_MAX_SEND_RATE": "1000",
    }
    mailbox(uow, org_id)
    template = sequence(
        uow, org_id, [email_step("Hello")],
        send_window={"start": "00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
        skip_weekends=False, jitter_minutes=0,
    )  # fmt: skip
    # A first run (nothing due yet) registers the DAG in Airflow's metadata: two dag.test()
    # processes registering it at once collide on Airflow's own tables, not on ours.
    assert run_dag(env, "sequences_dispatch", {"shards": 1})["state"] == "success"
    leads = [LeadIn(email=f"s{i}@lead.example", first_name=f"S{i}") for i in range(300)]
    enrol(uow, org_id, template, leads, datetime.now(UTC) - timedelta(minutes=1))
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    before = len(backend.sent_messages)
    argv = [sys.executable, str(ROOT / "tests" / "run_dag.py"), "sequences_dispatch",
            json.dumps({"shards": 1, "batch_size": 20})]  # fmt: skip
    # Two runs at once, each with one send_batch over the only shard: they race for rows.
    racers = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for _ in range(2)]  # fmt: skip
    for racer in racers:
        out, err = racer.communicate(timeout=600)
        assert racer.returncode == 0, err.decode()[-3000:]
        assert json.loads(out.decode().strip().splitlines()[-1])["state"] == "success"
    sent = [recipient(m) for m in backend.sent_messages[before:]]
    assert len(sent) == len(set(sent)) == 300
    with new_uow() as read:
        keys = read.session.scalars(select(SequenceStepExecution.idempotency_key)).all()
    assert len(keys) == len(set(keys)) == 300


@pytest.mark.timeout(900)
def test_bad_templates_pause_alone_inside_one_shard_of_the_dag(
    airflow_env, db_url, uow, new_uow, moto_server, tmp_path
):
    """A sandbox escape, a runaway loop and a huge output among good enrollments of two orgs,
    all in the one shard a single `send_batch` task runs: the task succeeds, the good ones
    are sent, the three pause with their reasons."""
    from sequences_core.services.organizations import create_organization
    from tests.test_hostile_templates import ESCAPES, RUNAWAYS, break_template

    env = {**dag_env(airflow_env, db_url, moto_server), "SEQUENCES_VAR_DIR": str(tmp_path)}
    always = {"send_window": {"start": "00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
              "skip_weekends": False, "jitter_minutes": 0}  # fmt: skip
    now = datetime.now(UTC) - timedelta(minutes=1)
    orgs = [create_organization(uow, n).organization.id for n in ("Good A", "Good B")]
    for org in orgs:
        mailbox(uow, org)
        template = sequence(uow, org, [email_step("Hello")], **always)
        leads = [LeadIn(email=f"g{i}@{org.hex[:6]}.example", first_name="G") for i in range(10)]
        enrol(uow, org, template, leads, now)
    for name in ("dunder", "nested loops", "huge join"):
        template = sequence(uow, orgs[0], [email_step("Hello")], **always)
        break_template(uow, template, ESCAPES.get(name) or RUNAWAYS[name])
        enrol(uow, orgs[0], template, [LeadIn(email=f"{name[:4]}@x.example")], now)

    ran = run_dag(env, "sequences_dispatch", {"shards": 1})

    assert ran["state"] == "success", ran
    assert ran["returned"]["summarise"]["sent"] == 20
    assert ran["returned"]["summarise"]["paused"] == 3
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 20
    with new_uow() as read:
        reasons = read.session.scalars(
            select(SequenceEnrollment.paused_reason).where(SequenceEnrollment.status == "paused")
        ).all()
    assert len(reasons) == 3 and all(r.startswith("render_error: ") for r in reasons)
