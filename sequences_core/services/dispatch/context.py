"""What a dispatcher is given (its context and scope) and what it reports (the summary)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sequences_core.rules.render import Renderer
from sequences_core.rules.tokens import Tokens
from sequences_core.senders import Sender


@dataclass(frozen=True)
class DispatchContext:
    """Everything a cycle needs besides the database; built once per process and reused.

    Frozen: a variant (another batch size, a test's sender) is a `dataclasses.replace`.
    """

    sender: Sender
    tokens: Tokens
    public_url: str
    now: Callable[[], datetime]
    renderer: Renderer = field(default_factory=Renderer)
    rng: random.Random = field(default_factory=random.Random)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 500
    default_from_email: str = "outreach@sequences.local"
    unsubscribe_mailto: str | None = None


@dataclass
class CycleSummary:
    claimed: int = 0
    sent: int = 0
    deferred_window: int = 0
    deferred_limit: int = 0
    deferred_paused: int = 0
    retry: int = 0
    failed: int = 0
    unknown: int = 0
    paused: int = 0
    stopped: int = 0
    completed: int = 0
    tasks_created: int = 0
    reconciled: int = 0
    batches: int = 0
    webhooks_called: int = 0
    webhooks_failed: int = 0

    def add(self, other: CycleSummary) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DispatchScope:
    """Which due work a dispatcher may take: an org, one enrollment, or a hash shard."""

    organization_id: uuid.UUID | None = None
    enrollment_id: uuid.UUID | None = None
    shard: tuple[int, int] | None = None  # (index, count)

    def sql(self) -> tuple[str, dict[str, Any]]:
        parts: list[str] = []
        params: dict[str, Any] = {}
        if self.organization_id:
            parts.append("AND organization_id = :org")
            params["org"] = self.organization_id
        if self.enrollment_id:
            parts.append("AND id = :eid")
            params["eid"] = self.enrollment_id
        if self.shard:
            # In coalesce, the planner cannot estimate the test (an equality would be taken to
            # keep 0.5% of the rows), so it walks the due index in order and stops at the
            # batch, where it sorted everything due (every shard's claim read all of them).
            parts.append(
                "AND coalesce(abs(hashtextextended(id::text, 0)) % :shards = :shard, false)"
            )
            params["shard"], params["shards"] = self.shard
        return " ".join(parts), params
