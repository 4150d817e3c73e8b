"""The service layer on real PostgreSQL: templates, steps, leads, enrollments, tenancy."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from sequences_core.db.models import SequenceEnrollment, Suppression
from sequences_core.errors import Conflict, InvalidInput, NotFound
from sequences_core.schemas import LeadIn, TemplateCreate, TemplateUpdate
from sequences_core.services import enrollments, steps, templates
from sequences_core.services import leads as lead_service
from sequences_core.services.organizations import authenticate, create_organization, revoke_api_key
from tests.factories import leads, template_with_steps


def test_bulk_enroll_reports_every_skip_with_a_reason(uow, org_id, other_org_id):
    template = template_with_steps(uow, org_id)
    ids = leads(uow, org_id, 6)
    foreign = leads(uow, other_org_id, 1, domain="rival.com")[0]
    uow.session.add(
        Suppression(organization_id=org_id, email="LEAD1@example.com", reason="unsubscribe")
    )
    uow.session.execute(
        lead_service.Lead.__table__.update()
        .where(lead_service.Lead.id == ids[2])
        .values(status="left_company")
    )
    uow.commit()
    enrollments.bulk_enroll(uow, org_id, template, [ids[3]])

    result = enrollments.bulk_enroll(
        uow,
        org_id,
        template,
        [ids[0], ids[0], ids[1], ids[2], ids[3], ids[4], foreign, "nope", uuid.uuid4()],
    )
    skipped = dict(result.skipped)
    assert set(result.enrolled) == {ids[0], ids[4]}
    assert skipped[str(ids[1])] == "suppressed"  # case-insensitive match on the address
    assert skipped[str(ids[2])] == "lead_left_company"
    assert skipped[str(ids[3])] == "already_enrolled"
    assert skipped[str(foreign)] == "lead_not_found"  # another org's lead is not ours to enrol
    assert skipped["nope"] == "invalid_id"
    assert [r for _, r in result.skipped].count("duplicate_in_request") == 1
    assert uow.session.scalar(select(func.count()).select_from(SequenceEnrollment)) == 3


def test_concurrent_bulk_enrolls_never_double_enrol(new_uow, org_id):
    with new_uow() as uow:
        template = template_with_steps(uow, org_id)
        ids = leads(uow, org_id, 300)

    def enrol(_: int) -> int:
        with new_uow() as uow:
            return enrollments.bulk_enroll(uow, org_id, template, ids).count

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(enrol, range(4)))
    assert sum(counts) == 300
    with new_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SequenceEnrollment)) == 300


def test_bulk_enroll_never_rescans_the_rows_it_inserts(clean_db, uow, org_id):
    """Planned against a table just vacuumed empty, a join feeding the insert probed the
    enrollments with a sequential scan per lead, over the rows already added (invisible to
    it, but read): n²/2 tuples' worth of pages, minutes for 100,000 leads."""
    template = template_with_steps(uow, org_id)
    ids = leads(uow, org_id, 3000)
    stats = text("SELECT heap_blks_hit FROM pg_statio_user_tables WHERE relname = :t")
    with clean_db.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        other.execute(text("VACUUM ANALYZE sequence_enrollments"))
        before = other.scalar(stats, {"t": "sequence_enrollments"})
        # The enrolling session reports its counts when its commit returns, not a second on.
        uow.session.execute(text("SELECT pg_stat_force_next_flush()"))
        assert enrollments.bulk_enroll(uow, org_id, template, ids).count == len(ids)
        visited = other.scalar(stats, {"t": "sequence_enrollments"}) - before
    assert 0 < visited < 10 * len(ids)  # about 5 a row; the scans made it over 30 at 3,000


def test_enroll_lead_conflicts_name_the_reason(uow, org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    enrollment = enrollments.enroll_lead(uow, org_id, template, lead)
    assert enrollment.status == "active" and enrollment.current_step == 0
    with pytest.raises(Conflict, match="already_enrolled"):
        enrollments.enroll_lead(uow, org_id, template, lead)


def test_cannot_enrol_into_empty_or_deleted_template(uow, org_id):
    [lead] = leads(uow, org_id, 1)
    empty = templates.create_template(uow, org_id, TemplateCreate(name="Empty"))
    with pytest.raises(Conflict, match="no steps"):
        enrollments.enroll_lead(uow, org_id, empty.id, lead)
    template = template_with_steps(uow, org_id)
    enrollments.enroll_lead(uow, org_id, template, lead)
    assert templates.delete_template(uow, org_id, template) == 1  # live enrollment stopped
    with pytest.raises(NotFound):
        enrollments.bulk_enroll(uow, org_id, template, [lead])
    history = uow.session.scalars(select(SequenceEnrollment)).one()
    assert (history.status, history.stopped_reason) == ("stopped", "template_deleted")
    assert templates.get_template(uow, org_id, template, include_deleted=True).deleted_at


def test_tenant_scoping_on_every_service(uow, org_id, other_org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    step = steps.list_steps(uow, org_id, template)[0]
    calls = [
        lambda: templates.get_template(uow, other_org_id, template),
        lambda: templates.update_template(uow, other_org_id, template, TemplateUpdate(name="x")),
        lambda: templates.delete_template(uow, other_org_id, template),
        lambda: steps.list_steps(uow, other_org_id, template),
        lambda: steps.add_step(uow, other_org_id, template, "wait", {"days": 1}),
        lambda: steps.update_step(uow, other_org_id, step.id, config={"days": 1}, step_type="wait"),
        lambda: steps.delete_step(uow, other_org_id, step.id),
        lambda: steps.reorder_steps(uow, other_org_id, template, [step.id]),
        lambda: lead_service.get_lead(uow, other_org_id, lead),
        lambda: enrollments.enroll_lead(uow, other_org_id, template, lead),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
        uow.rollback()
    assert templates.list_templates(uow, other_org_id).items == []
    assert len(templates.list_templates(uow, org_id).items) == 1


def test_steps_insert_delete_and_reorder_keep_positions_dense(uow, org_id):
    template = template_with_steps(uow, org_id, steps=3)  # email, wait, email
    [lead] = leads(uow, org_id, 1)
    enrollment = enrollments.enroll_lead(uow, org_id, template, lead)
    enrollment.current_step = 2
    uow.commit()

    inserted = steps.add_step(uow, org_id, template, "task", {"title": "Call"}, position=1)
    uow.session.refresh(enrollment)
    assert enrollment.current_step == 3  # still the second email, now one further down
    assert [s.type for s in steps.list_steps(uow, org_id, template)] == [
        "email",
        "task",
        "wait",
        "email",
    ]
    ordered = steps.list_steps(uow, org_id, template)
    steps.reorder_steps(uow, org_id, template, [s.id for s in reversed(ordered)])
    assert [s.type for s in steps.list_steps(uow, org_id, template)] == [
        "email",
        "wait",
        "task",
        "email",
    ]
    steps.delete_step(uow, org_id, inserted.id)
    assert [s.position for s in steps.list_steps(uow, org_id, template)] == [0, 1, 2]
    with pytest.raises(InvalidInput, match="exactly once"):
        steps.reorder_steps(uow, org_id, template, [ordered[0].id, ordered[0].id])
    with pytest.raises(InvalidInput) as bad:
        steps.add_step(uow, org_id, template, "email", {"subject": "{% if %}", "html": "x"})
    assert "line 1" in bad.value.fields["config.subject"]


def test_delete_step_shifts_enrollments_past_it(uow, org_id):
    template = template_with_steps(uow, org_id, steps=3)
    [lead] = leads(uow, org_id, 1)
    enrollment = enrollments.enroll_lead(uow, org_id, template, lead)
    enrollment.current_step = 2
    uow.commit()
    first = steps.list_steps(uow, org_id, template)[0]
    steps.delete_step(uow, org_id, first.id)
    uow.session.refresh(enrollment)
    assert enrollment.current_step == 1  # still points at the same (second email) step


def test_update_step_bumps_version(uow, org_id):
    template = template_with_steps(uow, org_id, steps=1)
    step = steps.list_steps(uow, org_id, template)[0]
    updated = steps.update_step(uow, org_id, step.id, config={"subject": "New", "html": "<p>x</p>"})
    assert updated.version == 2 and updated.config["subject"] == "New"


def test_template_list_filters_and_paginates(uow, org_id):
    for i in range(5):
        templates.create_template(
            uow,
            org_id,
            TemplateCreate(
                name=f"Nurture 100% {i}" if i % 2 else f"Cold {i}",
                category="nurture" if i % 2 else "cold_outreach",
            ),
        )
    page = templates.list_templates(uow, org_id, limit=2)
    seen = [t.name for t in page.items]
    while page.next_cursor:
        page = templates.list_templates(uow, org_id, limit=2, cursor=page.next_cursor)
        seen += [t.name for t in page.items]
    assert sorted(seen) == sorted({*seen}) and len(seen) == 5
    assert {t.name for t in templates.list_templates(uow, org_id, category="nurture").items} == {
        "Nurture 100% 1",
        "Nurture 100% 3",
    }
    assert len(templates.list_templates(uow, org_id, q="100%").items) == 2
    with pytest.raises(InvalidInput, match="cursor"):
        templates.list_templates(uow, org_id, cursor="garbage!")


def test_upsert_leads_merges_and_never_erases(uow, org_id):
    lead_service.upsert_leads(
        uow, org_id, [LeadIn(email="Ann@x.com", first_name="Ann", custom_fields={"a": 1})]
    )
    result = lead_service.upsert_leads(
        uow, org_id, [LeadIn(email="ann@X.com", company="Acme", custom_fields={"b": 2})]
    )
    assert (result.created, result.updated) == (0, 1)
    lead = lead_service.get_lead(uow, org_id, result.ids["ann@x.com"])
    uow.session.refresh(lead)
    assert (lead.first_name, lead.company, lead.custom_fields) == ("Ann", "Acme", {"a": 1, "b": 2})


def test_api_keys_hashed_and_revocable(uow):
    created = create_organization(uow, "Keyed")
    org = created.organization.id
    assert authenticate(uow, created.api_key).organization_id == org
    assert authenticate(uow, created.api_key + "x") is None
    assert authenticate(uow, "not-a-key") is None
    from sequences_core.db.models import ApiKey

    key = uow.session.scalars(select(ApiKey)).one()
    assert created.api_key not in (key.key_hash, key.prefix)
    revoke_api_key(uow, org, key.id, "cli:test")
    assert authenticate(uow, created.api_key) is None


def test_jsonb_reads_what_msgspec_refuses(uow):
    """msgspec decodes jsonb; a fraction past float range (which it refuses) still reads."""
    value = uow.session.scalar(
        text("""SELECT CAST('{"a": 1e400, "b": 1.5e400, "c": [1, "é"]}' AS jsonb)""")
    )
    assert value == {"a": 10**400, "b": 15 * 10**399, "c": [1, "é"]}  # integers, exactly
    huge = "1" + "0" * 400 + ".5"  # PostgreSQL writes numerics out in full
    assert uow.session.scalar(text(f"SELECT CAST('[{huge}]' AS jsonb)")) == [float("inf")]
