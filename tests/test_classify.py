"""The inbound classifier on every message of the fixture corpus (tests/fixtures/mail/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sequences_core.feedback.classify import Kind, classify, new_text

CORPUS = Path(__file__).parent / "fixtures" / "mail"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def test_corpus_is_big_and_covers_every_kind():
    assert len(EXPECTED) >= 30
    assert {e["kind"] for e in EXPECTED.values()} == {k.value for k in Kind}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_is_classified_as_expected(name):
    expected = EXPECTED[name]
    result = classify((CORPUS / name).read_bytes())
    assert result.kind == expected["kind"], result.reason
    assert result.reason
    if "return_date" in expected:
        got = result.return_date.isoformat() if result.return_date else None
        assert got == expected["return_date"], result.reason
    assert result.left_company == expected.get("left_company", False)
    if "status" in expected:
        assert result.status_code == expected["status"]
    if "recipient" in expected:
        assert expected["recipient"] in result.bounced_recipients


def test_bounces_point_at_our_original_message():
    result = classify((CORPUS / "dsn_postfix_user_unknown.eml").read_bytes())
    assert "<3f1c2a9e8b7d4c6a9e0f1a2b3c4d5e6f@sender.example>" in result.references


def test_quoted_unsubscribe_wording_is_not_an_opt_out():
    body = "Sounds good!\n\nOn Mon, Dana wrote:\n> Unsubscribe here: https://x\n"
    assert new_text(body) == "Sounds good!"


def test_cli_explains_without_a_database(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SEQUENCES_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sequences_core.cli",
            "ingest",
            "--json",
            "--explain",
            str(CORPUS / "ooo_french_return.eml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    result = json.loads(out)
    assert (result["classification"], result["return_date"]) == ("out_of_office", "2027-03-10")
