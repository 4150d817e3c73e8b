"""Settings from the environment, including the seed's variable names."""

from __future__ import annotations

import pytest

from sequences_core.runtime.config import Settings


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
