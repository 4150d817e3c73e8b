"""Which organization an Airflow user works in, remembered in a cookie signed with the
deployment's secret and bound to that user's id.

A cookie needs no table and no migration, and a signature bound to the user means one user's
cookie is worth nothing to another (a shared browser, a copied header). The same secret signs
the forms' CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

COOKIE = "sequences_org"


def _sign(secret: str, purpose: str, *parts: str) -> str:
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def cookie_value(secret: str, user_id: str, org_id: uuid.UUID) -> str:
    return f"{org_id}.{_sign(secret, 'org', user_id, str(org_id))}"


def chosen_organization(secret: str, user_id: str, value: str | None) -> uuid.UUID | None:
    """The organization the cookie names, if this user's signature is on it."""
    if not value or "." not in value:
        return None
    org, signature = value.split(".", 1)
    try:
        org_id = uuid.UUID(org)
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(secret, "org", user_id, str(org_id))):
        return None
    return org_id


def csrf_token(secret: str, user_id: str) -> str:
    """Per user: a form posted from another site cannot know it."""
    return _sign(secret, "csrf", user_id)


def csrf_ok(secret: str, user_id: str, token: str) -> bool:
    return hmac.compare_digest(token, csrf_token(secret, user_id))
