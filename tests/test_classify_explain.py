"""`sequences ingest --explain` names the rule and the words that decided (no database)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sequences_core.cli import main

CORPUS = Path(__file__).parent / "fixtures" / "mail"
NOWHERE = {"SEQUENCES_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}


def explain(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["ingest", "--explain", "--json", *args], env=NOWHERE)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_an_opt_out_names_its_rule_and_words(tmp_path: Path) -> None:
    message = tmp_path / "optout.eml"
    message.write_text(
        "From: lead@corp.example\nSubject: Re: Quick question\n\n"
        "Kindly refrain from emailing me in future.\n"
    )
    fields = explain(str(message))
    assert fields["classification"] == "unsubscribe_request"
    assert "opt-out" in str(fields["rule"])
    assert fields["decided_by"] == ["refrain + emailing + me"]
    assert "refrain" in str(fields["reason"])


def test_a_bounce_and_an_absence_name_theirs() -> None:
    bounce = explain(str(CORPUS / "dsn_postfix_user_unknown.eml"))
    assert bounce["classification"] == "bounce_hard" and "5.1.1" in str(bounce["decided_by"])
    absence = explain(str(CORPUS / "ooo_french_return.eml"))
    assert absence["classification"] == "out_of_office" and absence["decided_by"]
    assert "out of office" in str(absence["rule"]) and absence["return_date"]
