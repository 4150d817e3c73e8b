"""A click group whose commands are imported on first use.

`sequences --help` lists every command from its registered one-line help and imports none of
them: a command's module may import SQLAlchemy, Alembic or boto3 (over a second of start-up)
that other commands never use.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True)
class Lazy:
    """Where a command lives (a module of this package) and the line `--help` shows for it.

    The command object is the module's attribute named like the command (`-` as `_`).
    """

    module: str
    help: str


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy: Mapping[str, Lazy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.add_command(self.load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def load(self, name: str) -> click.Command:
        package = __name__.rpartition(".")[0]
        module = importlib.import_module(f"{package}.{self.lazy[name].module}")
        command = getattr(module, name.replace("-", "_"))
        if not isinstance(command, click.Command):
            raise TypeError(f"{module.__name__}.{name} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._short_help(ctx, name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str) -> str:
        if name in self.lazy:
            return self.lazy[name].help
        command = self.get_command(ctx, name)
        return command.get_short_help_str() if command else ""
