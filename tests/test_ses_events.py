"""SES event parsing on real-shaped notifications (tests/fixtures/mail/ses/)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sequences_core.feedback.ses_events import MalformedEvent, parse_ses_event

SES = Path(__file__).parent / "fixtures" / "mail" / "ses"


def load(name: str):
    return parse_ses_event((SES / name).read_text())


@pytest.mark.parametrize(
    ("name", "kind", "bounce_type"),
    [
        ("bounce_permanent.json", "Bounce", "Permanent"),
        ("bounce_transient_sns.json", "Bounce", "Transient"),
        ("bounce_undetermined.json", "Bounce", "Undetermined"),
        ("legacy_notification_bounce_sns.json", "Bounce", "Permanent"),
        ("complaint_sns.json", "Complaint", None),
        ("delivery.json", "Delivery", None),
        ("send.json", "Send", None),
        ("reject.json", "Reject", None),
        ("delivery_delay.json", "DeliveryDelay", None),
        ("open.json", "Open", None),
        ("click.json", "Click", None),
        ("rendering_failure.json", "Rendering Failure", None),
    ],
)
def test_every_event_shape_parses_with_our_tags(name, kind, bounce_type):
    event = load(name)
    assert event.kind == kind and event.bounce_type == bounce_type
    assert event.execution_id == uuid.UUID("3f1c2a9e8b7d4c6a9e0f1a2b3c4d5e6f")
    assert event.organization_id == uuid.UUID("a5e502d5a740479a84b0134f8a439a9a")
    assert event.message_id.startswith("0100018e1a2b3c4d")
    assert event.dedupe_key.startswith(f"ses:{event.message_id}:{kind}:")


def test_details_are_kept():
    assert load("bounce_permanent.json").hard_bounce
    assert load("bounce_permanent.json").detail == "smtp; 550 5.1.1 user unknown"
    assert not load("bounce_transient_sns.json").hard_bounce
    assert load("complaint_sns.json").recipients == ("ann@lead.example",)
    assert load("click.json").url == "https://example.com/tour"
    assert load("reject.json").detail == "Bad content"
    assert load("open.json").occurred_at.isoformat() == "2027-03-01T09:30:00+00:00"


def test_redelivery_has_the_same_key_and_different_events_do_not():
    keys = {load(p.name).dedupe_key for p in SES.glob("*.json") if "malformed" not in p.name}
    assert len(keys) == 12
    assert load("bounce_permanent.json").dedupe_key == load("bounce_permanent.json").dedupe_key


@pytest.mark.parametrize("name", ["malformed_not_ses.json", "malformed_truncated.json"])
def test_malformed_bodies_are_refused_with_a_reason(name):
    with pytest.raises(MalformedEvent) as info:
        load(name)
    assert str(info.value)
