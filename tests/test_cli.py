"""The `sequences` command's shape: quick to start, lazily loaded groups, explain over many files.

Scripts call the CLI in loops; importing SQLAlchemy, Alembic and boto3 for `--help` made every
call ~2 s. No database here: the URL points nowhere, so a command that needed one would fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from sequences_core.cli import COMMANDS, main

MAIL = Path(__file__).parent / "fixtures" / "mail"
OOO = MAIL / "ooo_french_return.eml"
UNSUB = MAIL / "unsub_german.eml"
NOWHERE = {"SEQUENCES_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
HEAVY = {"sqlalchemy", "alembic", "boto3", "botocore", "psycopg", "pydantic", "jinja2", "rich"}

PROBE = """
import json, sys
from sequences_core.cli import main
try:
    main.main(sys.argv[1:], prog_name="sequences", standalone_mode=False)
finally:
    print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def heavy_loaded_after(*argv: str) -> set[str]:
    """The heavy top-level packages a fresh interpreter imported to run `sequences ARGV`."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **NOWHERE},
        timeout=60,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES "))) & HEAVY


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["schedule", "explain", "--tz", "Europe/Berlin"],
        ["ingest", "--explain", str(OOO)],
        ["ingest", "--explain", str(MAIL)],
    ],
    ids=["help", "schedule-explain", "ingest-explain", "ingest-explain-folder"],
)
def test_quick_commands_import_no_database_aws_or_template_machinery(argv: list[str]) -> None:
    assert heavy_loaded_after(*argv) == set()


def test_every_registered_command_loads_and_help_shows_its_own_line() -> None:
    ctx = click.Context(main)
    for name, lazy in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=1_000) == lazy.help, name
    listing = CliRunner().invoke(main, ["--help"], terminal_width=200)
    assert listing.exit_code == 0
    for name, lazy in COMMANDS.items():
        assert f"{name} " in listing.output and lazy.help in listing.output


def explain(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["ingest", "--explain", *map(str, args)], env=NOWHERE)


def test_several_files_give_one_line_each_in_order_with_the_return_date() -> None:
    result = explain(UNSUB, OOO)
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()
    assert first.startswith(f"{UNSUB}: unsubscribe_request: ")
    assert second.startswith(f"{OOO}: out_of_office: out of office")
    assert second.endswith("; returns 2027-03-10")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two messages, binary noise, a FIFO, a dangling link and a subfolder (not read)."""
    shutil.copy(OOO, tmp_path / "b_ooo.eml")
    shutil.copy(UNSUB, tmp_path / "a_unsub.txt")
    (tmp_path / "c_noise.bin").write_bytes(bytes(range(256)) * 8)
    os.mkfifo(tmp_path / "d_fifo")
    (tmp_path / "e_gone.eml").symlink_to(tmp_path / "nothing-here")
    (tmp_path / "sub").mkdir()
    shutil.copy(OOO, tmp_path / "sub" / "nested.eml")
    return tmp_path


def test_a_folder_as_json_lines_one_object_per_file_sorted_errors_in_place(folder: Path) -> None:
    result = explain("--json", folder, folder / "missing.eml")
    assert result.exit_code == 1  # some files could not be read: a script can tell
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [Path(x["path"]).name for x in lines] == [
        "a_unsub.txt", "b_ooo.eml", "c_noise.bin", "d_fifo", "e_gone.eml", "missing.eml",
    ]  # fmt: skip
    unsub, ooo, noise, fifo, gone, missing = lines
    assert unsub["classification"] == "unsubscribe_request" and unsub["reason"]
    assert (ooo["classification"], ooo["return_date"]) == ("out_of_office", "2027-03-10")
    assert noise["classification"] and "error" not in noise
    assert fifo == {"path": str(folder / "d_fifo"), "error": "not a regular file"}
    assert gone["error"] == missing["error"] == "No such file or directory"


def test_a_folder_as_text_with_a_broken_file_still_explains_the_rest(folder: Path) -> None:
    result = explain(folder)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 5
    assert lines[1].startswith(f"{folder / 'b_ooo.eml'}: out_of_office: ")
    assert lines[3] == f"{folder / 'd_fifo'}: error: not a regular file"
    assert lines[4] == f"{folder / 'e_gone.eml'}: error: No such file or directory"


def test_one_file_keeps_the_detailed_output() -> None:
    result = explain(OOO)
    assert result.exit_code == 0, result.output
    assert "    classification: out_of_office" in result.output
    assert "       return_date: 2027-03-10" in result.output
    assert json.loads(explain("--json", OOO).output)["return_date"] == "2027-03-10"


def test_one_missing_file_is_an_error_and_paths_need_explain() -> None:
    missing = explain("/nonexistent/reply.eml")
    assert missing.exit_code == 1 and "No such file or directory" in missing.output
    no_flag = CliRunner().invoke(main, ["ingest", str(OOO)], env=NOWHERE)
    assert no_flag.exit_code == 2 and "--explain" in no_flag.output
