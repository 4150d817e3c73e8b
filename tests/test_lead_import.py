"""CSV import: per-line errors, nothing half-imported, and the CLI around it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from sequences_core.db.models import Lead
from sequences_core.rules.lead_csv import CsvFatal, RowError, read_leads
from sequences_core.services.lead_import import import_leads_csv

MESSY = (
    "Email Address;First Name;Company Name;Time Zone;Deal Size\r\n"
    "ann@acme.com;Ann;Acme;Europe/Berlin;10k\r\n"
    "not-an-email;Bob;Bobco;;\r\n"
    "ANN@acme.com;Ann again;;;\r\n"
    "cat@cats.io;Cat;Cats;Mars/Olympus_Mons;\r\n"
    'dan@x.org;"Dan, ""the man""";X;America/New_York;5k\r\n'
    ";;;;\r\n"
    "eve@y.org;Eve;Y;UTC;1k;extra\r\n"
)


def errors_by_line(data: bytes, **kw) -> dict[int, str]:
    return {
        r.line: f"{r.field}: {r.message}" for r in read_leads(data, **kw) if isinstance(r, RowError)
    }


def test_malformed_rows_get_clear_line_errors():
    errors = errors_by_line(MESSY.encode())
    assert errors[3].startswith("email: value is not a valid email")
    assert errors[4] == "email: duplicate of line 2 (ANN@acme.com)"
    assert errors[5].startswith("timezone: unknown time zone 'Mars/Olympus_Mons'")
    assert errors[8] == "row: 6 cells but the header has 5"
    assert set(errors) == {3, 4, 5, 8}  # line 6 is fine (quoted comma), line 7 is blank


def test_non_utf8_rows_are_named_and_encoding_can_be_given():
    data = "email,first_name\nzoe@x.com,Zoë\nyan@x.com,Yan\n".encode("cp1252")
    errors = errors_by_line(data)
    assert list(errors) == [2] and "not valid utf-8" in errors[2] and "--encoding" in errors[2]
    assert errors_by_line(data, encoding="cp1252") == {}
    parsed = [r for r in read_leads(data, encoding="cp1252") if not isinstance(r, RowError)]
    assert parsed[0].lead.first_name == "Zoë"


def test_nul_characters_are_named_by_line_and_the_rest_imports(uow, org_id):
    """PostgreSQL cannot store NUL: one such cell must not fail the whole file."""
    data = b"email,first_name,notes\na@x.com,An\x00n,ok\nb@x.com,Bob,x\x00y\nc@x.com,Cy,fine\n"
    assert errors_by_line(data) == {
        2: "first_name: must not contain a NUL character (\\u0000)",
        3: "notes: must not contain a NUL character (\\u0000)",
    }
    report = import_leads_csv(uow, org_id, data)
    assert (report.created, len(report.errors)) == (1, 2)


def test_multiline_cells_keep_line_numbers_honest():
    data = b'email,notes\na@x.com,"two\nlines"\nbad,\n'
    assert list(errors_by_line(data)) == [4]


def test_whole_file_problems_are_fatal():
    with pytest.raises(CsvFatal, match="no email column"):
        list(read_leads(b"name,company\nAnn,Acme\n"))
    with pytest.raises(CsvFatal, match="empty"):
        list(read_leads(b""))
    with pytest.raises(CsvFatal, match="two columns map to 'email'"):
        list(read_leads(b"email,e-mail\na@x.com,b@x.com\n"))


def test_import_upserts_good_rows_with_custom_fields(uow, org_id):
    report = import_leads_csv(uow, org_id, MESSY.encode())
    assert (report.rows, report.created, report.updated, len(report.errors)) == (6, 2, 0, 4)
    ann = uow.session.scalars(select(Lead).where(Lead.email == "ann@acme.com")).one()
    assert (ann.company, ann.timezone, ann.custom_fields) == (
        "Acme",
        "Europe/Berlin",
        {"deal_size": "10k"},
    )
    again = import_leads_csv(uow, org_id, MESSY.encode())
    assert (again.created, again.updated) == (0, 2)


def test_fatal_import_leaves_nothing_behind(uow, org_id):
    good = "".join(f"l{i}@x.com\n" for i in range(12_000))
    with pytest.raises(CsvFatal):
        import_leads_csv(uow, org_id, ("email\n" + good + "\n").encode(), encoding="no-such-codec")
    assert uow.session.scalar(select(func.count()).select_from(Lead)) == 0


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEQUENCES_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "sequences_core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_org_create_and_import(clean_db, db_url, tmp_path):
    created = run_cli(db_url, "org", "create", "CLI Org")
    assert created.returncode == 0, created.stderr
    org_line, key_line = created.stdout.strip().splitlines()[-2:]
    org = org_line.split(": ")[1]
    assert key_line.split(": ")[1].startswith("sq_")

    csv_file = tmp_path / "leads.csv"
    csv_file.write_text(MESSY)
    result = run_cli(db_url, "leads", "import", str(csv_file), "--org", org)
    assert result.returncode == 1  # some rows had errors
    assert "6 rows: 2 created, 0 updated, 4 with errors" in result.stdout
    assert "line 5: timezone: unknown time zone" in result.stderr
    assert "Traceback" not in result.stderr

    unknown_org = run_cli(db_url, "leads", "import", str(csv_file), "--org", "nope")
    assert unknown_org.returncode == 2 and "org: must be a UUID" in unknown_org.stderr
    assert "Traceback" not in unknown_org.stderr

    url = run_cli(db_url, "db", "url")
    assert url.stdout.strip() == db_url


def _many(n: int) -> bytes:
    rows = ["email,first_name"]
    for i in range(n):
        rows.append("broken" if i % 97 == 5 else f"p{i}@many.example,P{i}")
    return ("\n".join(rows) + "\n").encode()


def test_chunks_upserted_while_parsing_keep_row_order(uow, org_id, monkeypatch):
    """Several chunks in flight one after another: ids line up with the good rows, in order."""
    monkeypatch.setattr("sequences_core.services.lead_import.CHUNK", 40)
    seen: list[tuple[int, int]] = []
    report = import_leads_csv(uow, org_id, _many(250), progress=lambda d, t: seen.append((d, t)))
    good = [i for i in range(250) if i % 97 != 5]
    assert (report.rows, report.created, len(report.errors)) == (250, len(good), 3)
    emails = dict(uow.session.execute(select(Lead.id, Lead.email)).all())
    assert [emails[i] for i in report.lead_ids] == [f"p{i}@many.example" for i in good]
    assert seen[-1] == (250, 250) and all(d <= t for d, t in seen) and len(seen) >= 6


def test_a_failure_in_a_later_chunk_imports_nothing(uow, org_id, new_uow, monkeypatch):
    from sequences_core.services import lead_import

    monkeypatch.setattr(lead_import, "CHUNK", 40)
    calls = 0
    real = lead_import.upsert_leads

    def failing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(lead_import, "upsert_leads", failing)
    with pytest.raises(RuntimeError, match="went away"):
        import_leads_csv(uow, org_id, _many(250))
    uow.session.rollback()
    with new_uow() as check:
        assert check.session.scalar(select(func.count()).select_from(Lead)) == 0
