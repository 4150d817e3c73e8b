"""The fast email check agrees with pydantic's EmailStr on every input, valid or not."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import EmailStr, TypeAdapter, ValidationError

from sequences_core.rules.email_address import Email

REFERENCE: TypeAdapter[str] = TypeAdapter(EmailStr)
FAST: TypeAdapter[str] = TypeAdapter(Email)

_LOCAL = st.text(alphabet="abcXYZ09.!#$%&'*+/=?^_`{|}~-\"@ é", min_size=0, max_size=70)
_DOMAIN = st.one_of(
    st.sampled_from(
        [
            "example.com",
            "EXAMPLE.COM",
            "bücher.de",
            "xn--bcher-kva.de",
            "localhost",
            "test",
            "example.invalid",
            "-bad.com",
            "a..b.com",
            "[127.0.0.1]",
            "x" * 64 + ".com",
            ("a" * 63 + ".") * 3 + "com",
        ]
    ),
    st.text(alphabet="abc-.0XÜ", min_size=0, max_size=20),
)


def _outcome(adapter: TypeAdapter[str], value: str) -> str | None:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None)
@given(local=_LOCAL, domain=_DOMAIN)
@example(local="First.Last", domain="Example.COM")
@example(local="a" * 64, domain="example.com")
@example(local="a" * 65, domain="example.com")
@example(local="a" * 245, domain="example.com")
@example(local="a" * 64, domain=("b" * 60 + ".") * 3 + "com")
@example(local=".dot", domain="example.com")
@example(local="dot.", domain="example.com")
@example(local="two..dots", domain="example.com")
@example(local="Jane Doe <jane", domain="example.com>")
def test_same_verdict_and_normal_form_as_pydantic(local, domain):
    value = f"{local}@{domain}"
    assert _outcome(FAST, value) == _outcome(REFERENCE, value)


@pytest.mark.parametrize("value", ["no-at-sign", "a@b", "a@@b.com", "", " @example.com"])
def test_rejections_carry_pydantic_message(value):
    with pytest.raises(ValidationError) as info:
        FAST.validate_python(value)
    assert "valid email address" in str(info.value)
