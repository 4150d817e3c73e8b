"""Hostile or careless input (issue 17 part 3): custom fields are flat, few and small, named
so `{{ name }}` reaches them; bodies nested past any sense are a 400, never a 500; nothing is
written when a request is refused; a lead stored before these limits cannot break a list."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, text

from sequences_core.db.models import Lead, SequenceEnrollment
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.compose import Thread, compose_email
from sequences_core.rules.render import Renderer
from sequences_core.rules.template_sandbox import BUILT_IN_VARIABLES
from sequences_core.rules.tokens import Tokens
from sequences_core.schemas import MAX_CUSTOM_BYTES, LeadIn, TemplateSettings, custom_fields_size
from sequences_core.services.lead_import import import_leads_csv
from sequences_core.services.leads import upsert_leads
from tests.api_support import ALWAYS_OPEN, API, sequence


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def deep_body(depth: int) -> bytes:
    return (
        b'{"email": "deep@lead.example", "custom_fields": {"k": '
        + b"[" * depth
        + b"]" * depth
        + b"}}"
    )


def lead_count(engine: Any) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Lead)) or 0)


def fields_of(answer: Any) -> dict[str, str]:
    assert answer.is_json, answer.data[:300]
    return dict(answer.json["error"]["fields"])


# --- custom fields through POST /leads ------------------------------------------------------


@pytest.mark.parametrize(
    ("custom", "field", "words"),
    [
        ({"k": nested(2)}, "body.custom_fields.k", "not nested"),
        ({"k": {"a": 1}}, "body.custom_fields.k", "not nested"),
        ({"k": ["a", ["b"]]}, "body.custom_fields.k", "not nested"),
        ({"k": list(range(51))}, "body.custom_fields.k", "at most 50 items"),
        ({"k": "x" * 2_001}, "body.custom_fields.k", "at most 2,000 characters"),
        ({"k": ["x" * 2_001]}, "body.custom_fields.k", "at most 2,000 characters"),
        ({"k" * 65: 1}, "body.custom_fields." + "k" * 65, "at most 64"),
        ({"plan-name": 1}, "body.custom_fields.plan-name", "letters, digits and _"),
        ({"_private": 1}, "body.custom_fields._private", "start with a letter"),
        ({f"f{i}": i for i in range(101)}, "body.custom_fields", "at most 100 custom fields"),
        ({f"f{i}": i for i in range(10_000)}, "body.custom_fields", "at most 100 custom fields"),
        ({f"f{i}": "x" * 1_900 for i in range(9)}, "body.custom_fields", "16,384 bytes"),
        ({"k": "x" * 11_000_000}, "body.custom_fields.k", "at most 2,000 characters"),
    ],
    ids=[
        "nested-list", "object", "list-in-list", "long-list", "long-text", "long-item",
        "long-name", "dash", "underscore", "101-keys", "10000-keys", "17KB", "11MB",
    ],
)  # fmt: skip
def test_custom_fields_past_a_limit_are_a_422_naming_the_field_and_store_nothing(
    acme, clean_db, custom, field, words
):
    answer = acme.post(f"{API}/leads", {"email": "ann@lead.example", "custom_fields": custom})
    assert answer.status_code == 422
    found = fields_of(answer)
    assert field in found and words in found[field], found
    assert lead_count(clean_db) == 0


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("first_name", "built-in template variable"),
        ("company", "built-in template variable"),
        ("email", "built-in template variable"),
        ("sender", "built-in template variable"),
        ("unsubscribe_url", "built-in template variable"),
        ("range", "means something else in a template"),
        ("loop", "means something else in a template"),
        ("none", "means something else in a template"),
    ],
)
def test_a_custom_field_named_like_a_built_in_is_refused_saying_why(acme, clean_db, name, words):
    """Today's templates would silently show the built-in instead of the custom field."""
    answer = acme.post(f"{API}/leads", {"email": "ann@lead.example", "custom_fields": {name: "x"}})
    assert answer.status_code == 422
    assert words in fields_of(answer)[f"body.custom_fields.{name}"]
    assert lead_count(clean_db) == 0


def test_the_refused_names_are_the_variables_an_email_is_rendered_with(monkeypatch):
    """`BUILT_IN_VARIABLES` is what `compose_email` hands the renderer besides custom fields."""
    seen: dict[str, Any] = {}

    def capture(self, step_id, version, config, variables, **kw):  # type: ignore[no-untyped-def]
        seen.update(variables)
        raise RuntimeError("captured")

    monkeypatch.setattr(Renderer, "render", capture)
    lead = Lead(
        id=uuid.uuid4(), organization_id=uuid.uuid4(), email="a@b.example", first_name="A",
        last_name="B", company="C", title="T", custom_fields={},
    )  # fmt: skip
    ctx = SimpleNamespace(
        tokens=Tokens("k"), public_url="https://track.example", renderer=Renderer(),
        unsubscribe_mailto=None,
    )  # fmt: skip
    mailbox = SimpleNamespace(from_name="Dana", from_email="d@acme.example", reply_to=None)
    step = SimpleNamespace(id=uuid.uuid4(), version=1, config={"html": "<p>x</p>"}, position=0)
    with pytest.raises(RuntimeError, match="captured"):
        compose_email(
            ctx, execution_id=uuid.uuid4(), lead=lead, mailbox=mailbox, step=step,
            settings=TemplateSettings(), thread=Thread(), now=datetime.now(UTC),
        )  # fmt: skip
    assert set(seen) == BUILT_IN_VARIABLES


def test_good_custom_fields_are_kept_as_given(acme):
    custom = {"plan": "pro", "seats": 5, "ratio": 0.5, "vip": True, "none_yet": None,
              "tags": ["a", 1, False], "Plan2": "x" * 2_000}  # fmt: skip
    answer = acme.post(f"{API}/leads", {"email": "ann@lead.example", "custom_fields": custom})
    assert answer.status_code == 201, answer.json
    assert acme.get(f"{API}/leads").json["items"][0]["custom_fields"] == custom


# --- deep bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 300, 1_000, 100_000])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/leads"),
        ("POST", "/templates"),
        ("POST", "/steps"),
        ("POST", "/enrollments/bulk"),
        ("POST", "/execute"),
        ("PATCH", "/organization"),
    ],
)
def test_a_body_nested_past_32_levels_is_a_400_anywhere(acme, clean_db, method, path, depth):
    answer = acme.client.open(
        API + path, method=method, data=deep_body(depth), headers=acme.auth,
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400, answer.data[:300]
    assert fields_of(answer) == {"body": "nested more than 32 levels"}
    assert lead_count(clean_db) == 0


def test_a_lead_nested_300_levels_is_refused_and_the_list_still_answers(acme, clean_db):
    """The issue's reproduction: a 500 that had stored the lead, then a 500 for every list."""
    answer = acme.post(
        f"{API}/leads", {"email": "deep@lead.example", "custom_fields": {"k": nested(300)}}
    )
    assert answer.status_code == 400 and answer.json["error"]["code"] == "bad_request"
    assert lead_count(clean_db) == 0
    assert acme.get(f"{API}/leads").status_code == 200


def test_an_sns_body_nested_too_deeply_is_a_400(app):
    body = b'{"Type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = app.test_client().post(f"{API}/webhooks/ses", data=body, content_type="text/plain")
    assert answer.status_code == 400 and "nested" in answer.json["error"]["message"]


# --- a lead stored before the limits ------------------------------------------------------------


def test_a_stored_lead_with_an_odd_custom_field_does_not_break_the_list(acme, clean_db):
    acme.post(f"{API}/leads", {"email": "old@lead.example", "custom_fields": {"plan": "pro"}})
    acme.post(f"{API}/leads", {"email": "fine@lead.example", "first_name": "Fine"})
    with clean_db.begin() as conn:  # written before the limits existed
        conn.execute(
            text("UPDATE leads SET custom_fields = CAST(:odd AS jsonb) WHERE email LIKE 'old@%'"),
            {"odd": json.dumps({"plan": "pro", "k": nested(300), "doc": {"a": [1, {"b": 2}]}})},
        )  # fmt: skip
    listed = acme.get(f"{API}/leads")
    assert listed.status_code == 200
    by_email = {lead["email"]: lead for lead in listed.json["items"]}
    assert by_email["fine@lead.example"]["first_name"] == "Fine"
    old = by_email["old@lead.example"]["custom_fields"]
    assert old == {
        "plan": "pro",
        "k": "(not shown: nested more than 16 levels)",
        "doc": {"a": [1, {"b": 2}]},
    }
    one = acme.get(f"{API}/leads/{by_email['old@lead.example']['id']}")
    assert one.status_code == 200 and one.json["custom_fields"] == old


# --- limits on what a lead holds after merging ----------------------------------------------


def sixty(prefix: str) -> dict[str, str]:
    return {f"{prefix}{i}": "v" for i in range(60)}


def test_an_upsert_whose_merged_fields_pass_the_limits_is_refused_and_changes_nothing(acme):
    first = acme.post(f"{API}/leads", {"email": "ann@lead.example", "custom_fields": sixty("a")})
    assert first.status_code == 201
    more = acme.post(
        f"{API}/leads",
        {"email": "ann@lead.example", "company": "New", "custom_fields": sixty("b")},
    )
    assert more.status_code == 422
    assert "more than 100" in fields_of(more)["custom_fields"]
    [lead] = acme.get(f"{API}/leads").json["items"]
    assert lead["custom_fields"] == sixty("a") and lead["company"] is None
    no_fields = acme.post(f"{API}/leads", {"email": "ann@lead.example", "company": "New"})
    assert no_fields.status_code == 200 and no_fields.json["company"] == "New"


def test_an_update_whose_merged_fields_pass_the_limits_is_refused_but_removals_go(acme, clean_db):
    lead = acme.post(
        f"{API}/leads", {"email": "ann@lead.example", "custom_fields": sixty("a")}
    ).json
    more = acme.put(f"{API}/leads/{lead['id']}", {"title": "CTO", "custom_fields": sixty("b")})
    assert more.status_code == 422 and "more than 100" in fields_of(more)["custom_fields"]
    unchanged = acme.get(f"{API}/leads/{lead['id']}").json
    assert unchanged["custom_fields"] == sixty("a") and unchanged["title"] is None
    big = {f"c{i}": "v" for i in range(150)}
    with clean_db.begin() as conn:  # an older lead past today's limits
        conn.execute(
            text("UPDATE leads SET custom_fields = CAST(:big AS jsonb)"), {"big": json.dumps(big)}
        )
    removed = acme.put(f"{API}/leads/{lead['id']}", {"custom_fields": {"c0": None}})
    assert removed.status_code == 200 and len(removed.json["custom_fields"]) == 149


# --- bulk enrolment with inline leads -------------------------------------------------------


def enrollment_count(engine: Any) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(SequenceEnrollment)) or 0)


def test_bulk_enrolment_with_one_bad_inline_lead_writes_nothing(acme, clean_db):
    ids = sequence(acme, settings=ALWAYS_OPEN)
    before = lead_count(clean_db)
    leads = [
        {"email": "good@lead.example", "custom_fields": {"plan": "pro"}},
        {"email": "bad@lead.example", "custom_fields": {"k": {"nested": True}}},
        {"email": "worse@lead.example", "custom_fields": {"sender": "me"}},
    ]
    answer = acme.post(f"{API}/enrollments/bulk", {"template_id": ids["template"], "leads": leads})
    assert answer.status_code == 422
    assert set(fields_of(answer)) == {
        "body.leads.1.custom_fields.k",
        "body.leads.2.custom_fields.sender",
    }
    assert (lead_count(clean_db), enrollment_count(clean_db)) == (before, 0)


def test_bulk_enrolment_whose_inline_lead_would_pass_the_limits_writes_nothing(acme, clean_db):
    ids = sequence(acme, settings=ALWAYS_OPEN)
    acme.post(f"{API}/leads", {"email": "full@lead.example", "custom_fields": sixty("a")})
    before = lead_count(clean_db)
    leads = [
        {"email": "new@lead.example"},
        {"email": "full@lead.example", "custom_fields": sixty("b")},
    ]
    answer = acme.post(f"{API}/enrollments/bulk", {"template_id": ids["template"], "leads": leads})
    assert answer.status_code == 422
    assert list(fields_of(answer)) == ["body.leads.1.custom_fields"]
    assert (lead_count(clean_db), enrollment_count(clean_db)) == (before, 0)


# --- CSV import -------------------------------------------------------------------------------


def test_csv_rows_past_a_limit_are_per_line_errors_and_the_others_go_in(acme, clean_db):
    csv = (
        b"Email,Plan,Notes\n"
        b"a@x.example,pro,short\n"
        + b"b@x.example,free," + b"x" * 2_001 + b"\n"
        + b"c@x.example,free,fine\n"
    )  # fmt: skip
    answer = acme.post(f"{API}/leads/import", data=csv, content_type="text/csv")
    assert answer.status_code == 200 and answer.json["created"] == 2
    [error] = answer.json["errors"]
    assert (error["line"], error["field"]) == (3, "notes")
    assert "2,000" in error["message"]


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("Sender", "'sender' is a built-in template variable"),
        ("Unsubscribe URL", "'unsubscribe_url' is a built-in template variable"),
        ("Range", "'range' means something else"),
        ("x" * 70, "at most 64"),
    ],
)
def test_a_csv_column_named_like_a_built_in_fails_the_file_at_its_header(
    acme, clean_db, header, words
):
    csv = f"Email,{header}\na@x.example,v\n".encode()
    answer = acme.post(f"{API}/leads/import", data=csv, content_type="text/csv")
    assert answer.status_code == 400
    assert words in answer.json["error"]["message"] and header in answer.json["error"]["message"]
    assert lead_count(clean_db) == 0


def test_a_csv_with_more_custom_columns_than_a_lead_holds_fails_at_its_header(acme, clean_db):
    header = ",".join(["Email", *(f"c{i}" for i in range(101))])
    row = ",".join(["a@x.example", *("v" for _ in range(101))])
    answer = acme.post(
        f"{API}/leads/import", data=f"{header}\n{row}\n".encode(), content_type="text/csv"
    )
    assert (
        answer.status_code == 400 and "101 custom field columns" in answer.json["error"]["message"]
    )
    assert lead_count(clean_db) == 0


def test_a_csv_row_whose_merged_fields_pass_the_limits_is_its_own_error(uow, org_id):
    upsert_leads(uow, org_id, [LeadIn(email="full@x.example", custom_fields=sixty("a"))])
    columns = [f"b{i}" for i in range(60)]
    csv = "\n".join(
        [
            ",".join(["email", *columns]),
            ",".join(["new@x.example", *("v" for _ in columns)]),
            ",".join(["full@x.example", *("v" for _ in columns)]),
        ]
    ).encode()
    report = import_leads_csv(uow, org_id, csv)
    assert [(e.line, e.field) for e in report.errors] == [(3, "custom_fields")]
    assert (report.created, report.updated, len(report.lead_ids)) == (1, 0, 1)
    full = uow.session.scalars(select(Lead).where(Lead.email == "full@x.example")).one()
    uow.session.refresh(full)
    assert full.custom_fields == sixty("a")


def test_the_size_limit_is_measured_as_postgresql_prints_the_fields(uow, org_id):
    """The Python check and the SQL check on merged fields agree on what 16 KB is."""
    fields = {"a": "é" * 1_000, "b": [1, 2.5, True, None, 'q"uote\n'], "c": 7}
    upsert_leads(uow, org_id, [LeadIn(email="m@x.example", custom_fields=fields)])
    printed = uow.session.scalar(text("SELECT octet_length(custom_fields::text) FROM leads"))
    assert printed == custom_fields_size(fields) < MAX_CUSTOM_BYTES
