"""Keyset pagination: opaque cursors over (created_at, id), stable while rows are added."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_

from sequences_core.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(created_at: datetime, ident: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, ident = base64.urlsafe_b64decode(padded).decode().split("|")
        created = datetime.fromisoformat(stamp)
        if created.tzinfo is None:
            raise ValueError("naive")
        return created, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Bad cursor", {"cursor": "is not a cursor this API returned"}) from None


def paginate(
    session: Any,
    query: Select[T],
    model: Any,
    limit: int,
    cursor: str | None,
    created: str = "created_at",
) -> Page[T]:
    """Newest first, by `model`'s `created` column and then its id."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("Bad limit", {"limit": f"must be between 1 and {MAX_LIMIT}"})
    column = getattr(model, created)
    if cursor:
        stamp, ident = decode_cursor(cursor)
        query = query.where(or_(column < stamp, and_(column == stamp, model.id < ident)))
    query = query.order_by(column.desc(), model.id.desc()).limit(limit + 1)
    rows: Sequence[T] = list(session.scalars(query))
    items = list(rows[:limit])
    more = len(rows) > limit
    last: Any = items[-1] if items else None
    return Page(items, encode_cursor(getattr(last, created), last.id) if more and last else None)


def contains_pattern(q: str) -> str:
    """An ILIKE pattern matching `q` anywhere, with LIKE's own wildcards taken literally."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
