"""Settings read once from the environment; every entry point builds one of these."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

SENDERS = ("ses", "smtp", "outbox")


def _project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be above 0")
    return value


# One process drives SES at a few hundred calls/s (boto3's ~1 ms of CPU a call, beside the
# composing dispatcher); below this rate more processes would only cost their start-up.
ONE_PROCESS_RATE = 300.0
# At most this many mapped `send_batch` tasks of a dispatch run send at once (the `ses_send`
# pool has as many slots, in `make run` and the compose file); each takes an equal share of the
# SES account's rate among those sending (`Settings.shared_by`).
SEND_SLOTS = 4


def _send_processes(env: Mapping[str, str], max_rate: float) -> int:
    """`SEQUENCES_SEND_PROCESSES`: a count, or `auto` (the default): one process unless the
    account's send rate is more than one can drive, then one per core, at most four."""
    raw = (env.get("SEQUENCES_SEND_PROCESSES") or "auto").strip().lower()
    if raw == "auto":
        return 1 if max_rate <= ONE_PROCESS_RATE else max(1, min(4, os.cpu_count() or 1))
    return max(1, int(_number(env, "SEQUENCES_SEND_PROCESSES", 1)))


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    secret_key: str
    public_url: str
    sender: str
    var_dir: Path
    aws_region: str
    aws_endpoint_url: str | None
    default_from_email: str | None
    ses_configuration_set: str | None
    ses_max_send_rate: float
    send_threads: int
    send_processes: int
    send_lease_seconds: float
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    ses_events_queue_url: str | None
    inbound_bucket: str | None
    inbound_prefix: str
    imap_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings; the seed's AWS_SES_FROM_EMAIL / NEXT_PUBLIC_APP_URL stay honoured."""
        env = os.environ if env is None else env
        sender = env.get("SEQUENCES_SENDER", "outbox").strip().lower()
        if sender not in SENDERS:
            raise ValueError(
                f"SEQUENCES_SENDER must be one of {', '.join(SENDERS)}, not {sender!r}"
            )
        var_dir = Path(env.get("SEQUENCES_VAR_DIR") or _project_root() / "var")
        max_rate = _number(env, "SEQUENCES_SES_MAX_SEND_RATE", 14.0)
        return cls(
            database_url=env.get("SEQUENCES_DATABASE_URL") or None,
            secret_key=env.get("SEQUENCES_SECRET_KEY") or "dev-insecure-secret-change-me",
            public_url=(
                env.get("SEQUENCES_PUBLIC_URL")
                or env.get("NEXT_PUBLIC_APP_URL")
                or "http://127.0.0.1:5050"
            ).rstrip("/"),
            sender=sender,
            var_dir=var_dir,
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            default_from_email=env.get("AWS_SES_FROM_EMAIL") or None,
            ses_configuration_set=env.get("SEQUENCES_SES_CONFIGURATION_SET", "sequences") or None,
            ses_max_send_rate=max_rate,
            send_threads=int(_number(env, "SEQUENCES_SEND_THREADS", 8)),
            send_processes=_send_processes(env, max_rate),
            send_lease_seconds=_number(env, "SEQUENCES_SEND_LEASE_SECONDS", 600),
            smtp_host=env.get("SEQUENCES_SMTP_HOST") or None,
            smtp_port=int(_number(env, "SEQUENCES_SMTP_PORT", 587)),
            smtp_username=env.get("SEQUENCES_SMTP_USERNAME") or None,
            smtp_password=env.get("SEQUENCES_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SEQUENCES_SMTP_STARTTLS", "true").lower()
            not in ("0", "false", "no"),
            ses_events_queue_url=env.get("SEQUENCES_SES_EVENTS_QUEUE_URL") or None,
            inbound_bucket=env.get("SEQUENCES_INBOUND_BUCKET") or None,
            inbound_prefix=env.get("SEQUENCES_INBOUND_PREFIX", "inbound/"),
            imap_url=env.get("SEQUENCES_IMAP_URL") or None,
        )

    def shared_by(self, senders: int) -> Settings:
        """These settings for one of `senders` dispatchers sending at once on one SES account
        (the mapped `send_batch` tasks): each takes an equal share of the account's rate, so
        together they stay under it, as SES throttles the account, not the process."""
        if senders < 1:
            raise ValueError("senders must be at least 1")
        return replace(self, ses_max_send_rate=self.ses_max_send_rate / senders)
