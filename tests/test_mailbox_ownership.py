"""A sending domain is one organization's, and SES's verdict on an address comes at creation.

Before, any organization could add a mailbox at another's exact address and send as it, and
an address SES had not verified was only found out by the first send's MessageRejected.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import boto3
from botocore.exceptions import ClientError
from sqlalchemy import select

from sequences_core.db.models import Mailbox, SenderDomain
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import free_port
from sequences_core.senders.ses import SesIdentityCheck
from sequences_core.services.mailboxes import claim_sender_domain
from tests.api_support import API, settings, tenant
from tracking_app import create_app

MAILBOXES = f"{API}/mailboxes"


def test_another_organizations_domain_is_refused_without_saying_whose(acme, rival, clean_db):
    assert acme.post(MAILBOXES, {"from_email": "dana@acme.example"}).status_code == 201
    for address in ("dana@acme.example", "someone.else@ACME.example"):
        refused = rival.post(MAILBOXES, {"from_email": address})
        assert refused.status_code == 409, refused.json
        error = refused.json["error"]
        assert error["code"] == "conflict" and "another organization" in error["message"]
        assert "acme.example" in error["fields"]["from_email"]
        assert "Acme" not in refused.text and str(acme.org_id) not in refused.text
    assert rival.get(MAILBOXES).json["items"] == []
    second = acme.post(MAILBOXES, {"from_email": "sales@Acme.example"})
    assert second.status_code == 201 and second.json["warnings"] == []  # the outbox checks nothing
    assert rival.post(MAILBOXES, {"from_email": "dana@rival.example"}).status_code == 201
    with UnitOfWork(clean_db) as uow:
        rows = uow.session.execute(select(SenderDomain.domain, SenderDomain.organization_id))
        owners = {domain: org for domain, org in rows}
    assert owners == {"acme.example": acme.org_id, "rival.example": rival.org_id}


def test_organizations_adding_one_new_domain_at_once_have_one_winner(app, acme, rival, clean_db):
    tenants = [acme, rival] * 4
    start = threading.Barrier(len(tenants))
    answers: list[tuple[str, int]] = [("", 0)] * len(tenants)

    def add(i: int) -> None:
        client = app.test_client()
        start.wait()
        answer = client.post(
            MAILBOXES, json={"from_email": f"s{i}@race.example"}, headers=tenants[i].auth
        )
        answers[i] = (tenants[i].key, answer.status_code)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(len(tenants))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    by_status = {(key, status) for key, status in answers}
    assert len(by_status) == 2, answers  # one organization got every 201, the other every 409
    assert {status for _, status in by_status} == {201, 409}
    with UnitOfWork(clean_db) as uow:
        assert len({m.organization_id for m in uow.session.scalars(select(Mailbox))}) == 1


def test_a_claim_in_flight_is_waited_for_then_refuses_the_other(app, acme, rival, new_uow):
    answers: list[int] = []
    with new_uow() as first:
        claim_sender_domain(first, acme.org_id, "dana@inflight.example")
        rival_adds = threading.Thread(
            target=lambda: answers.append(
                app.test_client()
                .post(MAILBOXES, json={"from_email": "x@inflight.example"}, headers=rival.auth)
                .status_code
            )
        )
        rival_adds.start()
        rival_adds.join(timeout=1)
        assert rival_adds.is_alive() and answers == []  # waiting on acme's uncommitted claim
        first.commit()
    rival_adds.join()
    assert answers == [409]


def _ses_app(clean_db, tmp_path, endpoint: str):  # type: ignore[no-untyped-def]
    sending_by_ses = replace(settings(tmp_path), sender="ses", aws_endpoint_url=endpoint)
    return create_app(sending_by_ses, uow_factory=lambda: UnitOfWork(clean_db))


def test_with_ses_an_address_neither_verified_nor_at_a_verified_domain_is_a_warning(
    clean_db, tmp_path, moto_server
):
    ses = boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server)
    ses.create_email_identity(EmailIdentity="verified.example")
    ses.create_email_identity(EmailIdentity="solo@single.example")
    assert ses.get_email_identity(EmailIdentity="verified.example")["VerificationStatus"] == (
        "SUCCESS"
    )
    app = _ses_app(clean_db, tmp_path, moto_server)
    try:
        t = tenant(clean_db, app.test_client(), "Acme")
        warnings = {
            address: t.post(MAILBOXES, {"from_email": address}).json["warnings"]
            for address in (
                "dana@verified.example",  # its domain is verified
                "solo@single.example",  # the address itself is
                "other@single.example",  # only a neighbour is
                "dana@unverified.example",
            )
        }
    finally:
        app.extensions["sequences"].hits.close()
    assert warnings["dana@verified.example"] == warnings["solo@single.example"] == []
    for address, domain in (
        ("other@single.example", "single.example"),
        ("dana@unverified.example", "unverified.example"),
    ):
        [warning] = warnings[address]
        assert address in warning and domain in warning and "not verified" in warning


def test_when_ses_cannot_be_asked_the_mailbox_is_added_with_a_warning(
    clean_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    app = _ses_app(clean_db, tmp_path, f"http://127.0.0.1:{free_port()}")  # nothing listens
    try:
        t = tenant(clean_db, app.test_client(), "Acme")
        answer = t.post(MAILBOXES, {"from_email": "dana@acme.example"})
    finally:
        app.extensions["sequences"].hits.close()
    assert answer.status_code == 201
    [warning] = answer.json["warnings"]
    assert (
        warning.startswith("could not check dana@acme.example")
        and "EndpointConnectionError" in warning
    )


class _Denied:
    def get_email_identity(self, EmailIdentity: str) -> dict[str, str]:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "arn:aws:iam::1:user/ops"}},
            "GetEmailIdentity",
        )


def test_no_permission_to_ask_ses_is_a_warning_naming_the_code_not_our_account():
    warning = SesIdentityCheck(_Denied())("dana@acme.example")
    assert warning is not None and "could not check dana@acme.example" in warning
    assert "AccessDeniedException" in warning and "arn:" not in warning
