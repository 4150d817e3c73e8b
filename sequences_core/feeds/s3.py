"""Inbound replies that an SES receipt rule wrote to S3 (raw MIME objects).

Objects are never deleted: the service records each key once applied, and `seen` skips it
before it is downloaded again.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from sequences_core.feeds.base import FeedMessage, Seen


@dataclass(frozen=True)
class S3Feed:
    client: Any
    bucket: str
    prefix: str = "inbound/"
    source: str = "s3"
    keeps_messages: bool = True

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            keys = [i["Key"] for i in page.get("Contents", []) if not i["Key"].endswith("/")]
            done = seen(keys) if keys else set()
            for key in keys:
                if key not in done:
                    body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                    yield FeedMessage(key=key, body=body, uri=f"s3://{self.bucket}/{key}")

    def ack(self, messages: Sequence[FeedMessage]) -> None:
        """Nothing to do on S3: the recorded key is the acknowledgement."""
