"""Read inbound replies that an SES receipt rule wrote to S3 (raw MIME objects)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db.models import FeedbackDeadLetter, InboundObject, table_of
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.feedback import FeedbackSummary, apply_inbound, tally

SOURCE = "s3"


def read_inbound_bucket(
    client: Any,
    bucket: str,
    prefix: str,
    uow_factory: Callable[[], UnitOfWork],
    now: Callable[[], datetime],
) -> FeedbackSummary:
    summary = FeedbackSummary()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [item["Key"] for item in page.get("Contents", []) if not item["Key"].endswith("/")]
        if not keys:
            continue
        with uow_factory() as uow:
            done = set(
                uow.session.scalars(
                    select(InboundObject.key).where(
                        InboundObject.source == SOURCE, InboundObject.key.in_(keys)
                    )
                )
            )
        for key in keys:
            if key in done:
                continue
            raw = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            with uow_factory() as uow:
                try:
                    result = apply_inbound(uow, raw, now(), f"s3://{bucket}/{key}")
                except Exception as err:  # one bad object must not stop the rest
                    uow.rollback()
                    uow.session.add(
                        FeedbackDeadLetter(
                            source=SOURCE,
                            reference=key,
                            reason=f"{type(err).__name__}: {err}",
                            body=raw.decode("utf-8", "replace"),
                        )
                    )
                    summary.dead_letters += 1
                    result = None
                uow.session.execute(
                    pg_insert(table_of(InboundObject)).on_conflict_do_nothing(),
                    [
                        {
                            "source": SOURCE,
                            "key": key,
                            "organization_id": result.organization_id if result else None,
                            "classification": result.classification.kind.value if result else None,
                            "reason": result.classification.reason if result else None,
                        }
                    ],
                )
                uow.commit()
            if result is not None:
                tally(summary, result)
    return summary
