"""`sequences ingest --explain`: how inbound messages are classified, and why.

Scripts run it over folders of messages, so several files give one line (or one JSON object)
each, and a file that cannot be read or classified gives its own error line instead of
stopping the rest; the exit status is then 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sequences_core.feedback.classify import Classification


def _classify(path: Path) -> Classification:
    from sequences_core.feedback.classify import classify

    if path.exists() and not path.is_file():  # reading a FIFO or a device could block forever
        raise ValueError("not a regular file")
    return classify(path.read_bytes())


def _fields(result: Classification) -> dict[str, Any]:
    return {
        "classification": result.kind.value,
        "rule": result.rule,
        "decided_by": list(result.evidence),
        "reason": result.reason,
        "from": result.from_address,
        "subject": result.subject,
        "received_at": result.received_at.isoformat() if result.received_at else None,
        "return_date": result.return_date.isoformat() if result.return_date else None,
        "left_company": result.left_company,
        "status_code": result.status_code,
        "bounced_recipients": list(result.bounced_recipients),
        "references": list(result.references),
        "snippet": result.snippet,
    }


def _problem(err: Exception) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    if isinstance(err, ValueError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def explain_one(path: Path, as_json: bool) -> None:
    """Every field the message was classified by."""
    try:
        fields = _fields(_classify(path))
    except Exception as err:  # reported like any other bad input
        click.echo(f"{click.style('error:', fg='red')} {path}: {_problem(err)}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(fields, indent=2))
        return
    for name, value in fields.items():
        if value not in (None, "", [], False):
            click.echo(f"{name:>18}: {value}")


def _files(path: Path) -> list[Path]:
    """A folder's files (not its subfolders), sorted; any other path as itself."""
    if path.is_dir():
        return sorted(child for child in path.iterdir() if not child.is_dir())
    return [path]


def _line(path: Path, as_json: bool) -> tuple[str, bool]:
    """The line for one file, and whether it was classified."""
    try:
        fields = _fields(_classify(path))
    except Exception as err:  # one odd file must not stop the others
        return _error_line(path, err, as_json), False
    if as_json:
        return json.dumps({"path": str(path), **fields}), True
    returns = f"; returns {fields['return_date']}" if fields["return_date"] else ""
    return f"{path}: {fields['classification']}: {fields['reason']}{returns}", True


def _error_line(path: Path, err: Exception, as_json: bool) -> str:
    if as_json:
        return json.dumps({"path": str(path), "error": _problem(err)})
    return f"{path}: error: {_problem(err)}"


def explain_each(paths: Iterable[Path], as_json: bool) -> None:
    """One line per file, in the order given (a folder's files sorted)."""
    failed = False
    for argument in paths:
        try:
            files = _files(argument)
        except OSError as err:
            click.echo(_error_line(argument, err, as_json))
            failed = True
            continue
        for path in files:
            line, classified = _line(path, as_json)
            click.echo(line)
            failed = failed or not classified
    if failed:
        sys.exit(1)
