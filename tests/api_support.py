"""Shared set-up for tests that drive the Flask app with its test client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from sequences_core.db.uow import UnitOfWork
from sequences_core.runtime.config import Settings
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.organizations import create_organization
from tracking_app import create_app

SECRET = "test-secret-key"


def settings(var_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "SEQUENCES_VAR_DIR": str(var_dir),
            "SEQUENCES_SECRET_KEY": SECRET,
            "SEQUENCES_PUBLIC_URL": "https://track.example",
        }
    )


def build_app(engine: Engine, var_dir: Path, **collaborators: Any) -> Flask:
    collaborators.setdefault("sender_factory", lambda: OutboxSender(var_dir / "outbox"))
    return create_app(settings(var_dir), uow_factory=lambda: UnitOfWork(engine), **collaborators)


@dataclass
class Tenant:
    org_id: uuid.UUID
    key: str
    client: FlaskClient

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.auth, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self.auth, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(path, json=json, headers=self.auth, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self.auth, **kw)


def tenant(engine: Engine, client: FlaskClient, name: str) -> Tenant:
    with UnitOfWork(engine) as uow:
        created = create_organization(uow, name)
    return Tenant(created.organization.id, created.api_key, client)


API = "/api/sequences"
EMAIL_HTML = (
    '<p>Hi {{ first_name }}, <a href="https://example.com/pricing">pricing</a> and '
    '<a href="https://example.com/tour">tour</a></p>'
)


def sequence(
    t: Tenant, *, settings: dict[str, Any] | None = None, follow_up: bool = False
) -> dict[str, str]:
    """A mailbox, a template with one email step (and a follow-up) and one lead; their ids."""
    t.post(f"{API}/mailboxes", {"from_email": "dana@acme.example", "from_name": "Dana"})
    template = t.post(
        f"{API}/templates",
        {"name": "Cold", "category": "cold_outreach", "settings": settings or {}},
    ).json
    step = t.post(
        f"{API}/steps",
        {"template_id": template["id"], "type": "email",
         "config": {"subject": "Hello {{ first_name }}", "html": EMAIL_HTML}},
    ).json  # fmt: skip
    if follow_up:
        for step_type, config in (("wait", {"days": 3}), ("email", {"html": "<p>Bump</p>"})):
            t.post(
                f"{API}/steps", {"template_id": template["id"], "type": step_type, "config": config}
            )
    lead = t.post(f"{API}/leads", {"email": "bob@lead.example", "first_name": "Bob"}).json
    return {"template": template["id"], "step": step["id"], "lead": lead["id"]}


ALWAYS_OPEN = {
    "send_window": {"start": "00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
    "skip_weekends": False,
    "jitter_minutes": 0,
}
