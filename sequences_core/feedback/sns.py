"""Amazon SNS HTTP(S) messages: signature verification and the subscription handshake.

SNS signs each message with a certificate it hosts on `sns.<region>.amazonaws.com`; we
accept a certificate only from there (over https), rebuild the canonical string AWS
documents for the message type, and check the signature (SignatureVersion 1 = SHA1,
2 = SHA256). Certificates are fetched through a callable so callers can cache them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_AWS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_FIELDS["UnsubscribeConfirmation"] = _FIELDS["SubscriptionConfirmation"]
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

CertFetcher = Callable[[str], bytes]


class InvalidSnsMessage(ValueError):
    """Not a genuine SNS message: bad JSON, unknown type, foreign certificate, bad signature."""


def is_aws_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(_AWS_HOST.match(parsed.hostname or ""))


def parse_message(body: bytes | str) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidSnsMessage("body is not JSON") from None
    except RecursionError:  # Python's parser gives up near 1,000 levels
        raise InvalidSnsMessage("body is nested too deeply to be an SNS message") from None
    if not isinstance(message, dict) or message.get("Type") not in _FIELDS:
        raise InvalidSnsMessage("not an SNS message (Type missing or unknown)")
    return message


def canonical_string(message: dict[str, Any]) -> bytes:
    """The string SNS signed: each present field as `name\\nvalue\\n`, in AWS's order."""
    lines: list[str] = []
    for name in _FIELDS[message["Type"]]:
        if name in message and message[name] is not None:
            if not isinstance(message[name], str):
                raise InvalidSnsMessage(f"{name} must be a string")
            lines += [name, message[name]]
    return ("\n".join(lines) + "\n").encode()


def verify(message: dict[str, Any], fetch_certificate: CertFetcher) -> None:
    """Raise InvalidSnsMessage unless AWS SNS signed this message."""
    cert_url = message.get("SigningCertURL") or message.get("SigningCertUrl") or ""
    if not isinstance(cert_url, str) or not is_aws_url(cert_url) or not cert_url.endswith(".pem"):
        raise InvalidSnsMessage("signing certificate is not on an AWS SNS host")
    algorithm = _HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise InvalidSnsMessage("unknown SignatureVersion")
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except ValueError:
        raise InvalidSnsMessage("signature is not base64") from None
    try:
        certificate = x509.load_pem_x509_certificate(fetch_certificate(cert_url))
    except (OSError, ValueError) as err:
        raise InvalidSnsMessage(f"signing certificate unusable: {err}") from None
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidSnsMessage("signing certificate is not RSA")
    try:
        key.verify(signature, canonical_string(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise InvalidSnsMessage("signature does not match") from None
