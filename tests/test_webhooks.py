"""Webhooks: SES events over a signed SNS subscription, and meeting-booked notifications."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from sequences_core.db.models import (
    FeedbackDeadLetter,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.sns import canonical_string
from tests.api_support import ALWAYS_OPEN, API, build_app, sequence, tenant
from tests.test_feedback_e2e import ses_event

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"


@pytest.fixture(scope="module")
def signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert.public_bytes(serialization.Encoding.PEM)


def signed(key, message: dict, version: str = "2") -> str:
    message = {**message, "SignatureVersion": version, "SigningCertURL": CERT_URL}
    digest = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = key.sign(canonical_string(message), padding.PKCS1v15(), digest)
    return json.dumps({**message, "Signature": base64.b64encode(signature).decode()})


@pytest.fixture
def hooked(clean_db, tmp_path, signer):
    _, pem = signer
    fetched: list[str] = []
    confirmed: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return pem

    app = build_app(
        clean_db, tmp_path, fetch_certificate=fetch, confirm_subscription=confirmed.append
    )
    yield app, tenant(clean_db, app.test_client(), "Acme"), fetched, confirmed
    app.extensions["sequences"].hits.close()


def _post_sns(client, body: str):
    """As SNS posts: text/plain, the JSON message as the body."""
    return client.post(f"{API}/webhooks/ses", data=body, content_type="text/plain; charset=UTF-8")


def test_subscription_is_confirmed_only_for_aws_urls(hooked, signer):
    _, acme, fetched, confirmed = hooked
    key, _ = signer
    base = {"Type": "SubscriptionConfirmation", "MessageId": "m1", "Token": "tok",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
            "Message": "You have chosen to subscribe",
            "Timestamp": "2026-12-01T10:00:00.000Z"}  # fmt: skip
    good = dict(
        base,
        SubscribeURL="https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok",
    )
    answer = _post_sns(acme.client, signed(key, good))
    assert answer.status_code == 200 and answer.json["status"] == "subscribed"
    assert confirmed == [good["SubscribeURL"]] and fetched == [CERT_URL]
    evil = dict(base, SubscribeURL="https://evil.example/?Action=ConfirmSubscription")
    assert _post_sns(acme.client, signed(key, evil)).status_code == 403
    assert confirmed == [good["SubscribeURL"]]


def test_forged_and_tampered_sns_messages_are_refused(hooked, signer):
    _, acme, _, _ = hooked
    key, _ = signer
    message = {"Type": "Notification", "MessageId": "m2", "Message": "{}",
               "TopicArn": "arn:aws:sns:us-east-1:1:t",
               "Timestamp": "2026-12-01T10:00:00Z"}  # fmt: skip
    body = json.loads(signed(key, message))
    tampered = dict(body, Message='{"eventType": "Bounce"}')
    assert _post_sns(acme.client, json.dumps(tampered)).status_code == 403
    foreign = dict(body, SigningCertURL="https://attacker.example/cert.pem")
    assert _post_sns(acme.client, json.dumps(foreign)).status_code == 403
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _post_sns(acme.client, signed(other_key, message)).status_code == 403
    assert _post_sns(acme.client, "not json").status_code == 400
    assert _post_sns(acme.client, json.dumps({"Type": "Weird"})).status_code == 400


def test_signed_bounce_notification_suppresses_and_malformed_goes_to_dead_letters(
    hooked, signer, clean_db, tmp_path
):
    _, acme, _, _ = hooked
    key, _ = signer
    ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=True)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    assert acme.post(f"{API}/execute", {}).json["summary"]["sent"] == 1
    with UnitOfWork(clean_db) as uow:
        execution = uow.session.scalars(select(SequenceStepExecution)).one()
    event = ses_event(
        "Bounce", execution, "bob@lead.example", datetime.now(UTC),
        bounceType="Permanent", bounceSubType="General", feedbackId="fb-1",
        bouncedRecipients=[{"emailAddress": "bob@lead.example", "status": "5.1.1"}],
    )  # fmt: skip
    notification = {"Type": "Notification", "MessageId": "m3", "Message": event,
                    "TopicArn": "arn:aws:sns:us-east-1:1:t",
               "Timestamp": "2026-12-01T10:00:00Z"}  # fmt: skip
    for version in ("1", "2"):  # SNS redelivers; SHA1 and SHA256 signatures both verify
        answer = _post_sns(acme.client, signed(key, notification, version))
        assert answer.status_code == 200 and answer.json["status"] == "applied"
    with UnitOfWork(clean_db) as uow:
        [row] = uow.session.scalars(select(Suppression)).all()
        assert row.reason == "hard_bounce"
        assert uow.session.scalars(select(SequenceEnrollment)).one().status == "bounced"
    assert acme.get(f"{API}/metrics").json["overall"]["bounces"] == 1  # applied once
    broken = dict(notification, MessageId="m4", Message='{"eventType": "Bounce"')
    answer = _post_sns(acme.client, signed(key, broken))
    assert answer.status_code == 200 and answer.json["status"] == "ignored"
    with UnitOfWork(clean_db) as uow:
        [dead] = uow.session.scalars(select(FeedbackDeadLetter)).all()
        assert dead.source == "sns" and dead.reference == "m4"


def test_meeting_webhook_generic_and_calendly(app, acme, clean_db):
    ids = sequence(acme)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    generic = acme.post(
        f"{API}/webhooks/meeting",
        {"email": "BOB@lead.example", "time": "2026-12-03T15:00:00Z", "source": "hubspot"},
    )
    assert generic.status_code == 200 and generic.json["paused"] == 1
    with UnitOfWork(clean_db) as uow:
        enrollment = uow.session.scalars(select(SequenceEnrollment)).one()
        assert enrollment.paused_reason == "meeting_booked"
    url = acme.get(f"{API}/webhooks/meeting-url").json["url"]
    path = url.split("https://track.example", 1)[1]
    calendly = {
        "event": "invitee.created",
        "created_at": "2026-12-01T10:00:00.000000Z",
        "payload": {"email": "bob@lead.example", "name": "Bob",
                    "scheduled_event": {"start_time": "2026-12-04T09:30:00.000000Z"}},
    }  # fmt: skip
    answer = acme.client.post(path, json=calendly)  # no API key: the signed URL authenticates
    assert answer.status_code == 200 and answer.json["paused"] == 0  # already paused
    assert acme.get(f"{API}/metrics").json["overall"]["meetings"] == 2
    assert (
        acme.client.post(f"{API}/webhooks/meeting?token=forged", json=calendly).status_code == 401
    )
    assert acme.client.post(f"{API}/webhooks/meeting", json=calendly).status_code == 401
    canceled = dict(calendly, event="invitee.canceled")
    assert acme.client.post(path, json=canceled).status_code == 422
    assert acme.post(f"{API}/webhooks/meeting", {"time": "soon"}).status_code == 422


def test_meeting_for_an_unknown_email_changes_nothing(acme):
    answer = acme.post(f"{API}/webhooks/meeting", {"email": "stranger@nowhere.example"})
    assert answer.status_code == 200 and answer.json["paused"] == 0


def test_another_orgs_webhook_token_does_not_reach_this_org(hooked, clean_db):
    app, acme, _, _ = hooked
    ids = sequence(acme)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    rival = tenant(clean_db, app.test_client(), "Rival")
    url = rival.get(f"{API}/webhooks/meeting-url").json["url"]
    answer = rival.client.post(
        url.split("https://track.example", 1)[1], json={"email": "bob@lead.example"}
    )
    assert answer.status_code == 200 and answer.json["paused"] == 0
    with UnitOfWork(clean_db) as uow:
        assert uow.session.scalars(select(SequenceEnrollment)).one().status == "active"
