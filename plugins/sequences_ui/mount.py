"""What the plugin module hands Airflow: an ASGI app that builds the real one on its first
request.

Airflow imports every plugin in every process, each task run included (for macros); importing
the pages' app there (FastAPI, Airflow's API security, the services) added ~2.7 s to every
task's start, for pages only the API server serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

URL_PREFIX = "/sequences"


class LazyApp:
    """Mounted by Airflow's API server at URL_PREFIX; the first request builds the app."""

    def __init__(self) -> None:
        self._app: FastAPI | None = None

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            from sequences_ui.app import create_app

            self._app = create_app()
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
