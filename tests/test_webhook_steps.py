"""Webhook step config: validated at save (reserved headers, ports, limits), secrets generated
when absent, shown once, masked in every answer, and kept when the mask is sent back."""

from __future__ import annotations

import json

import pytest

from sequences_core.db.models import SequenceStep
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput
from sequences_core.schemas import (
    SECRET_MASK,
    WebhookConfig,
    keep_stored_secrets,
    mask_step_config,
    validate_step_config,
)
from sequences_core.webhooks.client import call_for_step
from sequences_core.webhooks.guard import AllowList
from tests.api_support import API

URL = "https://hooks.example.com/x"


def fields(raw: dict) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        validate_step_config("webhook", raw)
    return refused.value.fields


def test_defaults_and_a_generated_secret():
    config = validate_step_config("webhook", {"url": URL})
    assert config["secret"].startswith("whsec_") and len(config["secret"]) > 40
    assert {k: config[k] for k in config if k != "secret"} == {
        "url": URL, "method": "POST", "headers": {}, "secret_headers": [],
        "timeout_seconds": 10, "max_attempts": 5, "max_hours": 24, "on_failure": "pause",
    }  # fmt: skip
    assert validate_step_config("webhook", {"url": URL})["secret"] != config["secret"]


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"headers": {"Content-Type": "x"}}, "config.headers.Content-Type", "Content-Type is set"),
        ({"headers": {"idempotency-key": "x"}}, "config.headers.idempotency-key", "is set"),
        ({"headers": {"Sequences-Signature": "x"}}, "config.headers.Sequences-Signature", "set"),
        ({"headers": {"Host": "x"}}, "config.headers.Host", "is set"),
        ({"headers": {"X-A": "a\r\nX-B: b"}}, "config.headers.X-A", "one line"),
        ({"headers": {"X-A": "é"}}, "config.headers.X-A", "printable ASCII"),
        ({"headers": {"X-A": "v" * 1001}}, "config.headers.X-A", "at most 1000"),
        ({"headers": {f"X-{i}": "v" for i in range(21)}}, "config.headers", "at most 20"),
        ({"headers": {"X-A": "1", "x-a": "2"}}, "config.headers", "more than once"),
        ({"headers": {"X-A": SECRET_MASK}}, "config.headers", "masked value"),
        ({"secret_headers": ["X-Nope"]}, "config.secret_headers", "not one of the headers"),
        ({"secret": "short"}, "config.secret", "at least 16"),
        ({"secret": SECRET_MASK}, "config.secret", "masked value"),
        ({"method": "GET"}, "config.method", "'POST', 'PUT' or 'PATCH'"),
        ({"url": "ftp://x.io/"}, "config.url", "URL scheme"),
        ({"url": "https://x.io:25/"}, "config.url", "port 25 is refused"),
        ({"url": "https://u:p@x.io/"}, "config.url", "credentials"),
        ({"timeout_seconds": 31}, "config.timeout_seconds", "less than or equal to 30"),
        ({"max_attempts": 0}, "config.max_attempts", "greater than or equal to 1"),
        ({"max_hours": 73}, "config.max_hours", "less than or equal to 72"),
        ({"on_failure": "retry"}, "config.on_failure", "'continue' or 'pause'"),
        ({"body": "{{ x | nope }}"}, "config.body", "unknown filter"),
    ],
)
def test_bad_webhook_configs_name_the_field(raw, field, words):
    found = fields({"url": URL, **raw})
    assert any(key.startswith(field) for key in found), found
    assert words in next(v for k, v in found.items() if k.startswith(field))


def test_masking_hides_the_secret_and_credential_headers_only():
    stored = validate_step_config(
        "webhook",
        {
            "url": URL, "secret": "s" * 20, "secret_headers": ["X-Tenant"],
            "headers": {"Authorization": "Bearer t", "X-Api-Key": "k", "X-Tenant": "acme",
                        "X-Team": "sales"},
        },
    )  # fmt: skip
    shown = mask_step_config("webhook", stored)
    assert shown["secret"] == SECRET_MASK
    assert shown["headers"] == {
        "Authorization": SECRET_MASK, "X-Api-Key": SECRET_MASK, "X-Tenant": SECRET_MASK,
        "X-Team": "sales",
    }  # fmt: skip
    assert stored["secret"] == "s" * 20 and stored["headers"]["X-Tenant"] == "acme"
    assert mask_step_config("wait", {"days": 1}) == {"days": 1}
    kept = keep_stored_secrets("webhook", shown, stored)
    assert validate_step_config("webhook", kept) == stored


def test_a_stored_config_reads_back_into_a_call():
    stored = validate_step_config(
        "webhook", {"url": URL, "method": "PATCH", "headers": {"X-A": "1"}, "timeout_seconds": 3}
    )
    call = call_for_step(
        WebhookConfig.model_validate(stored), body=b"{}", idempotency_key="k", attempt=2,
        allow=AllowList(),
    )  # fmt: skip
    assert (call.url, call.method, call.timeout, call.attempt) == (URL, "PATCH", 3.0, 2)
    assert call.secret == stored["secret"] and call.headers == {"X-A": "1"}


# --- through the API ------------------------------------------------------------------


def template(t) -> str:
    return t.post(f"{API}/templates", {"name": "CRM sync"}).json["id"]


def stored_config(engine, step_id: str) -> dict:
    with UnitOfWork(engine) as uow:
        return dict(uow.session.get(SequenceStep, step_id).config)


def test_secrets_are_shown_once_masked_after_and_kept_when_sent_back(acme, clean_db):
    config = {"url": URL, "headers": {"Authorization": "Bearer crm-token", "X-Team": "sales"}}
    made = acme.post(
        f"{API}/steps", {"template_id": template(acme), "type": "webhook", "config": config}
    )
    assert made.status_code == 201, made.json
    step = made.json
    secret = step["generated_secret"]
    assert secret.startswith("whsec_")
    assert step["config"]["secret"] == SECRET_MASK
    assert step["config"]["headers"] == {"Authorization": SECRET_MASK, "X-Team": "sales"}
    stored = stored_config(clean_db, step["id"])
    assert stored["secret"] == secret and stored["headers"]["Authorization"] == "Bearer crm-token"

    [listed] = acme.get(f"{API}/steps?template_id={step['template_id']}").json["items"]
    assert listed["config"]["secret"] == SECRET_MASK and "generated_secret" not in listed
    assert "crm-token" not in json.dumps(listed) and secret not in json.dumps(listed)

    sent_back = {**listed["config"], "timeout_seconds": 5}
    updated = acme.put(f"{API}/steps/{step['id']}", {"config": sent_back})
    assert updated.status_code == 200, updated.json
    assert updated.json["generated_secret"] is None
    assert updated.json["config"]["timeout_seconds"] == 5
    after = stored_config(clean_db, step["id"])
    assert after["secret"] == secret and after["headers"]["Authorization"] == "Bearer crm-token"

    mine = acme.put(f"{API}/steps/{step['id']}", {"config": {**sent_back, "secret": "m" * 24}})
    assert mine.json["generated_secret"] is None and mine.json["config"]["secret"] == SECRET_MASK
    assert stored_config(clean_db, step["id"])["secret"] == "m" * 24

    without = {k: v for k, v in sent_back.items() if k != "secret"}
    rotated = acme.put(f"{API}/steps/{step['id']}", {"config": without}).json
    assert rotated["generated_secret"] not in (None, secret, "m" * 24)
    assert stored_config(clean_db, step["id"])["secret"] == rotated["generated_secret"]


def test_a_reserved_header_is_refused_naming_it(acme):
    refused = acme.post(
        f"{API}/steps",
        {"template_id": template(acme), "type": "webhook",
         "config": {"url": URL, "headers": {"Idempotency-Key": "mine"}}},
    )  # fmt: skip
    assert refused.status_code == 422
    [(field, message)] = refused.json["error"]["fields"].items()
    assert "Idempotency-Key" in field and "Idempotency-Key is set by every call" in message
