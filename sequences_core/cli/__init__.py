"""The `sequences` command: parse arguments, call one service, print the answer.

Each command group is a module of this package, imported only when its command runs (see
`lazy.py`); adding a group is one line in `COMMANDS`. Modules import heavy things (SQLAlchemy,
the services, rich) inside their commands, so `--help` and the pure commands start at once.
"""

from __future__ import annotations

import click

from sequences_core.cli.lazy import Lazy, LazyGroup

COMMANDS = {
    "db": Lazy("db", "The database schema."),
    "demo": Lazy("cycle", "Seed a demo organization, mailbox, template and 50 leads (idempotent)."),
    "dev": Lazy("dev", "The local stack behind `make run`."),
    "ingest": Lazy(
        "cycle", "Run one feedback cycle (SES events, inbound replies), or --explain messages."
    ),
    "keys": Lazy("keys", "API keys: list, create, revoke (audited)."),
    "leads": Lazy("leads", "Leads."),
    "mailboxes": Lazy("mailboxes", "Mailboxes: settings, warm-up, pause and resume (audited)."),
    "org": Lazy("org", "Organizations: create, settings, pause, reputation, audit, members."),
    "schedule": Lazy("schedule", "Send-window arithmetic, as the engine sees it."),
    "suppressions": Lazy("suppressions", "The suppression list: list, remove (audited)."),
    "tick": Lazy("cycle", "Run one cycle now, outside Airflow: feedback, then dispatch."),
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
def main() -> None:
    """Sequences: multi-touch email outreach that stops itself when the lead answers."""
