"""`sequences dev`: the local stack behind `make run`."""

from __future__ import annotations

import sys

import click

from sequences_core.cli.common import settings


@click.group()
def dev() -> None:
    """The local stack behind `make run`."""


@dev.command("up")
def dev_up() -> None:
    """Start everything, print URLs and logins, and stop it all on Ctrl-C."""
    from sequences_core.devstack.stack import run_stack

    sys.exit(run_stack(settings()))


@dev.command("stop")
def dev_stop() -> None:
    """Stop the embedded PostgreSQL if it is running."""
    from sequences_core.runtime.wiring import embedded_server

    embedded_server(settings()).stop()
