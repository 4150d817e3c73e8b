"""Whole batches as one statement parameter: a JSON document read with jsonb_to_recordset.

psycopg adapts a Python list element by element (a regex quote per text value, ~3 µs each);
one JSON document encoded by msgspec costs ~1 µs a row and the server parses it in C. A batch
of 1,000 rows of 17 columns goes from ~300 ms of adaptation to ~2 ms.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Text, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import QueryableAttribute

# An escaped NUL (\u0000) not itself preceded by an escaped backslash.
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def json_rows(rows: Sequence[Mapping[str, Any]] | Sequence[str]) -> str:
    """Rows (or plain values) as a JSON array (datetimes ISO 8601, UUIDs as text).

    PostgreSQL text and jsonb cannot hold NUL, so an escaped NUL is dropped rather than
    failing the whole batch.
    """
    encoded = msgspec.json.encode(rows).decode()
    return _JSON_NUL.sub(r"\1", encoded) if "\\u0000" in encoded else encoded


def recordset(columns: Mapping[str, str], param: str = "rows", alias: str = "v") -> str:
    """`jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(name type, …)` for a FROM clause."""
    typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    return f"jsonb_to_recordset(CAST(:{param} AS jsonb)) AS {alias}({typed})"


def batch_params(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Rows, each with an `id`, as `:rows` (for `recordset`) and `:ids` (for `BATCH_IDS`)."""
    return {"rows": json_rows(rows), "ids": uuid_array(row["id"] for row in rows)}


# `WHERE t.id {BATCH_IDS} AND t.id = v.id`: keeps an UPDATE … FROM recordset on the primary
# key (joined to the recordset alone, the planner may hash the whole table for every batch).
BATCH_IDS = "IN (SELECT unnest(CAST(:ids AS uuid[])))"


def uuid_array(values: Iterable[uuid.UUID]) -> str:
    """A uuid[] literal, for `CAST(:ids AS uuid[])` (PostgreSQL reads the 32 hex digits
    without hyphens, which Python writes in under half the time of `str`)."""
    return "{" + ",".join(value.hex for value in values) + "}"


def among(
    column: ColumnElement[uuid.UUID] | QueryableAttribute[uuid.UUID], values: Iterable[uuid.UUID]
) -> ColumnElement[bool]:
    """`column IN (SELECT unnest(uuid[]))`: one parameter where `in_()` expands to one per value
    (psycopg parses a 1,000-placeholder query afresh every time).

    Not `= ANY(CAST(:p AS uuid[]))`: once psycopg prepares the statement, PostgreSQL's generic
    plan may re-cast the array for every row it filters; the subquery is evaluated once.
    """
    literal = bindparam(None, uuid_array(values), type_=Text)
    return column.in_(select(func.unnest(cast(literal, ARRAY(UUID(as_uuid=True))))))
