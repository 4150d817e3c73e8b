"""API keys: random, shown once, stored as a sha256 hash with a public prefix for lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARK = "sq"


@dataclass(frozen=True)
class NewKey:
    plaintext: str
    prefix: str
    key_hash: str


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate() -> NewKey:
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(plaintext=plaintext, prefix=prefix, key_hash=hash_key(plaintext))


def prefix_of(plaintext: str) -> str | None:
    parts = plaintext.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or not parts[1]:
        return None
    return parts[1]


def matches(plaintext: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_key(plaintext.strip()), key_hash)
