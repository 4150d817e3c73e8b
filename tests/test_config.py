"""Settings from the environment, including the seed's variable names."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_sender


def test_seed_variables_are_honoured_as_fallbacks():
    settings = Settings.from_env(
        {
            "AWS_SES_FROM_EMAIL": "sales@acme.example",
            "AWS_REGION": "eu-west-1",
            "NEXT_PUBLIC_APP_URL": "https://app.acme.example/",
        }
    )
    assert settings.default_from_email == "sales@acme.example"
    assert settings.aws_region == "eu-west-1"
    assert settings.public_url == "https://app.acme.example"
    assert settings.sender == "outbox"


def test_own_variables_win_and_bad_values_name_the_variable():
    settings = Settings.from_env(
        {
            "NEXT_PUBLIC_APP_URL": "https://old",
            "SEQUENCES_PUBLIC_URL": "https://new",
            "SEQUENCES_SENDER": "SES",
        }
    )
    assert (settings.public_url, settings.sender) == ("https://new", "ses")
    with pytest.raises(ValueError, match="SEQUENCES_SENDER"):
        Settings.from_env({"SEQUENCES_SENDER": "carrier-pigeon"})
    with pytest.raises(ValueError, match="SEQUENCES_SES_MAX_SEND_RATE"):
        Settings.from_env({"SEQUENCES_SES_MAX_SEND_RATE": "fast"})


def test_send_processes_follow_the_account_rate_unless_set(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings.from_env({}).send_processes == 1  # 14/s: one process has room to spare
    assert Settings.from_env({"SEQUENCES_SES_MAX_SEND_RATE": "300"}).send_processes == 1
    assert Settings.from_env({"SEQUENCES_SES_MAX_SEND_RATE": "1000"}).send_processes == 4
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert Settings.from_env({"SEQUENCES_SES_MAX_SEND_RATE": "1000"}).send_processes == 2
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert Settings.from_env({"SEQUENCES_SES_MAX_SEND_RATE": "1000"}).send_processes == 1
    explicit = {"SEQUENCES_SES_MAX_SEND_RATE": "1000", "SEQUENCES_SEND_PROCESSES": "3"}
    assert Settings.from_env(explicit).send_processes == 3
    assert Settings.from_env({"SEQUENCES_SEND_PROCESSES": "AUTO"}).send_processes == 1
    with pytest.raises(ValueError, match="SEQUENCES_SEND_PROCESSES"):
        Settings.from_env({"SEQUENCES_SEND_PROCESSES": "many"})


@given(rate=st.floats(0.1, 10_000), senders=st.integers(1, 256))
def test_senders_sharing_one_account_together_stay_under_its_rate(rate, senders):
    settings = replace(Settings.from_env({}), ses_max_send_rate=rate)
    share = settings.shared_by(senders)
    assert share.ses_max_send_rate * senders <= rate * (1 + 1e-9)
    assert share.ses_max_send_rate > 0 and share.database_url == settings.database_url


def test_the_ses_sender_of_one_of_four_sends_at_a_quarter_of_the_rate():
    settings = replace(Settings.from_env({}), sender="ses", send_processes=1)
    sender = build_sender(replace(settings, ses_max_send_rate=20.0).shared_by(4))
    assert sender.limiter.rate == 5.0  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        settings.shared_by(0)
