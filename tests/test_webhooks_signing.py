"""The signature header: the Stripe/Svix shape, and a receiver's check of it."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from sequences_core.webhooks.signing import sign, verify

SECRET = "whsec_0123456789abcdef"
NOW = 1_767_225_600


def test_the_header_is_t_and_v1_over_timestamp_dot_body():
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1767225600." + body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET, NOW) == f"t=1767225600,v1={expected}"


@given(st.binary(max_size=500), st.integers(-300, 300))
def test_a_signed_body_verifies_within_the_tolerance(body, skew):
    assert verify(sign(body, SECRET, NOW), body, SECRET, now=NOW + skew)


def test_tampering_an_old_timestamp_or_another_secret_fails():
    body = b'{"lead":"ada"}'
    header = sign(body, SECRET, NOW)
    assert not verify(header, body + b" ", SECRET, now=NOW)
    assert not verify(header, body, SECRET + "!", now=NOW)
    assert not verify(header, body, SECRET, now=NOW + 301)
    assert not verify(header, body, SECRET, now=NOW - 301)
    assert verify(header, body, SECRET, now=NOW + 600, tolerance=600)
    forged = header.replace("t=1767225600", "t=1767225700")  # a fresher stamp, same v1
    assert not verify(forged, body, SECRET, now=NOW + 100)


def test_any_matching_v1_is_accepted_so_secrets_can_rotate():
    body = b"{}"
    old, new = sign(body, "an-old-secret-000000", NOW), sign(body, SECRET, NOW)
    both = f"{new},{old.split(',')[1]}"
    assert verify(both, body, SECRET, now=NOW)
    assert verify(both, body, "an-old-secret-000000", now=NOW)


@given(st.text(max_size=200))
def test_garbage_headers_are_refused_without_raising(header):
    assert not verify(header, b"{}", SECRET, now=NOW)


def test_odd_but_harmless_headers_are_refused():
    for header in ("", "t=,v1=", "v1=abc", "t=٣,v1=ab", f"t={'9' * 5000},v1=ab", "t=1,v1=é"):
        assert not verify(header, b"{}", SECRET, now=NOW)
