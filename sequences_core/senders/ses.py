"""Amazon SES v2 with raw MIME (our headers survive), a configuration set and message tags.

One client, shared by a thread pool sized to its connection pool: boto3's own
CPU per call is the ceiling here, so nothing else should add to it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from sequences_core.rules.rate import RateLimiter
from sequences_core.senders import Outcome, OutgoingEmail, SendResult

if TYPE_CHECKING:
    from sequences_core.runtime.config import Settings

RETRYABLE_CODES = {
    "Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
    "ServiceUnavailable", "InternalFailure", "InternalServerError", "RequestTimeout",
}  # fmt: skip


def client_config(threads: int) -> Config:
    # Retries are ours (so a throttled call backs off with jitter and is counted).
    return Config(
        max_pool_connections=threads, retries={"total_max_attempts": 1, "mode": "standard"}
    )


class SesSender:
    name = "ses"

    def __init__(
        self,
        client: Any,
        *,
        configuration_set: str | None,
        threads: int = 8,
        max_per_second: float = 14.0,
        attempts: int = 4,
        backoff_base: float = 0.2,
    ) -> None:
        self.client = client
        self.configuration_set = configuration_set
        self.attempts = attempts
        self.backoff_base = backoff_base
        self.limiter = RateLimiter(max_per_second)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ses")

    @classmethod
    def from_settings(cls, settings: Settings, boto3_session: Any | None = None) -> SesSender:
        """Here, not in `wiring`: a send worker process builds one and should import no more
        than boto3 and this module (`wiring` brings SQLAlchemy and the services: seconds)."""
        import boto3

        session = boto3_session or boto3.session.Session()
        client = session.client(
            "sesv2",
            region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            config=client_config(settings.send_threads),
        )
        return cls(
            client,
            configuration_set=settings.ses_configuration_set,
            threads=settings.send_threads,
            max_per_second=settings.ses_max_send_rate,
        )

    def _call(self, email: OutgoingEmail) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "FromEmailAddress": email.from_email,
            "Destination": {"ToAddresses": [email.to_email]},
            "Content": {"Raw": {"Data": email.raw}},
            "EmailTags": [
                {"Name": "execution_id", "Value": email.execution_id.hex},
                {"Name": "org_id", "Value": email.organization_id.hex},
            ],
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        result: dict[str, Any] = self.client.send_email(**kwargs)
        return result

    def send_one(self, email: OutgoingEmail) -> SendResult:
        error = ""
        for attempt in range(self.attempts):
            self.limiter.acquire()
            try:
                response = self._call(email)
                return SendResult(email.execution_id, Outcome.SENT, response["MessageId"])
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
                error = f"{code}: {err.response.get('Error', {}).get('Message', '')}"
                if code not in RETRYABLE_CODES and status < 500:
                    return SendResult(email.execution_id, Outcome.FAILED, error=error)
            except (ConnectTimeoutError, EndpointConnectionError) as err:
                error = f"connection: {err}"  # never reached SES: safe to retry
            except (ReadTimeoutError, ConnectionClosedError) as err:
                # SES may have accepted it before the connection broke.
                return SendResult(email.execution_id, Outcome.UNKNOWN, error=f"transport: {err}")
            time.sleep(self.backoff_base * 2**attempt * random.uniform(0.5, 1.5))  # noqa: S311
        return SendResult(email.execution_id, Outcome.RETRY, error=error)

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        return list(self._pool.map(self.send_one, emails))

    def lookup(self, execution_id: uuid.UUID) -> SendResult:
        # SES cannot be asked by our id; its Send event (tagged execution_id) settles it.
        return SendResult(execution_id, Outcome.UNKNOWN)


class SesIdentityCheck:
    """Will SES send as an address? Only if the address or its domain is a verified identity.

    Asked when a mailbox is added, so the operator hears then what the first send would
    otherwise say as `MessageRejected`. One quick attempt: the mailbox is already saved, so
    failing to ask (no permission, no network) is an answer too, and only a warning.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    @classmethod
    def from_settings(
        cls, settings: Settings, boto3_session: Any | None = None
    ) -> SesIdentityCheck:
        import boto3

        session = boto3_session or boto3.session.Session()
        config = Config(
            connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"}
        )
        return cls(
            session.client(
                "sesv2",
                region_name=settings.aws_region,
                endpoint_url=settings.aws_endpoint_url,
                config=config,
            )
        )

    def __call__(self, address: str) -> str | None:
        """A warning for whoever adds the mailbox, or None when SES will send as `address`."""
        domain = address.rsplit("@", 1)[-1].lower()
        try:
            if self._verified(address) or self._verified(domain):
                return None
        except (ClientError, BotoCoreError) as err:
            # The code only: SES's message can name our account's IAM principal.
            code = err.response["Error"].get("Code") if isinstance(err, ClientError) else None
            return (
                f"could not check {address} against SES's verified identities "
                f"({code or type(err).__name__}): its sends are rejected unless it or {domain} "
                "is verified"
            )
        return (
            f"{address} is not verified in SES, nor is {domain}: its sends will be rejected "
            "(MessageRejected) until one of them is"
        )

    def _verified(self, identity: str) -> bool:
        try:
            found = self.client.get_email_identity(EmailIdentity=identity)
        except ClientError as err:
            if err.response["Error"].get("Code") == "NotFoundException":
                return False
            raise
        return bool(found.get("VerificationStatus") == "SUCCESS")
