"""The send_counters ledger: reserve before sending, release if the send does not happen.

Reservation locks each counter row for the rest of the transaction, so any
number of dispatchers together never pass a limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import text
from sqlalchemy.orm import Session

from sequences_core.rules.limits import CounterKey

_ENSURE = text(
    "INSERT INTO send_counters (organization_id, scope, scope_id, day, sent)"
    " VALUES (:org, :scope, :sid, :day, 0) ON CONFLICT DO NOTHING"
)
_LOCK = text(
    "SELECT sent FROM send_counters WHERE organization_id = :org AND scope = :scope"
    " AND scope_id = :sid AND day = :day FOR UPDATE"
)
_ADD = text(
    "UPDATE send_counters SET sent = greatest(0, sent + :n) WHERE organization_id = :org"
    " AND scope = :scope AND scope_id = :sid AND day = :day"
)


def _params(key: CounterKey) -> dict[str, object]:
    org, scope, sid, day = key.pk
    return {"org": org, "scope": scope, "sid": sid, "day": day}


def _in_lock_order(keys: Iterable[CounterKey]) -> list[CounterKey]:
    """One fixed order for every transaction that touches counter rows: no deadlock."""
    return sorted(keys, key=lambda k: tuple(map(str, k.pk)))


def reserve(session: Session, demands: Mapping[CounterKey, int]) -> dict[CounterKey, int]:
    """Take up to the wanted number of slots from each counter; return how many were granted."""
    granted: dict[CounterKey, int] = {}
    for key in _in_lock_order(demands):
        params = _params(key)
        session.execute(_ENSURE, params)
        sent = int(session.execute(_LOCK, params).scalar_one())
        grant = max(0, min(demands[key], key.limit - sent))
        if grant:
            session.execute(_ADD, {**params, "n": grant})
        granted[key] = grant
    return granted


def release(session: Session, counts: Mapping[CounterKey, int]) -> None:
    for key in _in_lock_order(counts):
        n = counts[key]
        if n:
            session.execute(_ADD, {**_params(key), "n": -n})
