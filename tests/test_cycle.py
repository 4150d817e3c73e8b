"""One cycle for every entry point: `POST /execute` applies feedback before it sends."""

from __future__ import annotations

import email
from datetime import UTC, datetime

import boto3
from sqlalchemy import update

from sequences_core.db.models import SequenceEnrollment
from sequences_core.services.ingest import Feeds
from tests.api_support import ALWAYS_OPEN, API, build_app, sequence, tenant
from tests.test_feedback_e2e import reply


def test_execute_applies_a_queued_reply_before_it_sends_the_follow_up(
    clean_db, tmp_path, moto_server
):
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server)
    bucket = f"inbound-{tmp_path.name[-20:].lower().replace('_', '-')}"
    s3.create_bucket(Bucket=bucket)
    app = build_app(clean_db, tmp_path, feeds_factory=lambda: Feeds(s3=s3, bucket=bucket))
    try:
        acme = tenant(clean_db, app.test_client(), "Acme")
        ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=True)
        acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
        first = acme.post(f"{API}/execute", {}).json
        assert first["summary"]["sent"] == 1 and first["feedback"]["replies"] == 0
        with clean_db.begin() as conn:  # the wait has passed: the follow-up is due now
            conn.execute(update(SequenceEnrollment).values(next_run_at=datetime.now(UTC)))
        [eml] = (tmp_path / "outbox").glob("*.eml")
        message_id = email.message_from_bytes(eml.read_bytes())["Message-ID"]
        body = reply(
            message_id, "bob@lead.example", "Re: Hello", "Sounds good, call me", datetime.now(UTC)
        )
        s3.put_object(Bucket=bucket, Key="inbound/reply.eml", Body=body)

        second = acme.post(f"{API}/execute", {}).json

        assert second["feedback"]["replies"] == 1
        assert second["summary"]["sent"] == 0
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
        [enrollment] = acme.get(f"{API}/enrollments").json["items"]
        assert (enrollment["status"], enrollment["paused_reason"]) == ("paused", "replied")
    finally:
        app.extensions["sequences"].hits.close()
