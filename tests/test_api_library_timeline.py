"""The REST API routes added with the UI's second part: the library, duplicate, restore,
the enrollment dry run and a lead's timeline; each in the OpenAPI document, tenant-scoped."""

from __future__ import annotations

from tests.api_support import API, sequence


def test_library_lists_entries_and_creates_a_template_with_its_steps(acme, rival):
    entries = acme.get(f"{API}/templates/library").json["items"]
    assert {e["key"] for e in entries} == {"cold_outreach", "nurture", "follow_up", "win_back"}
    cold = next(e for e in entries if e["key"] == "cold_outreach")
    assert 3 <= cold["emails"] <= 5 and cold["settings"]["send_window"]["days"] == [2, 3, 4]
    made = acme.post(f"{API}/templates/from-library", {"key": "nurture", "name": "Spring"})
    assert made.status_code == 201, made.json
    assert made.json["name"] == "Spring" and made.json["category"] == "nurture"
    listed = acme.get(f"{API}/steps?template_id={made.json['id']}").json["items"]
    assert len(listed) == 5
    assert rival.get(f"{API}/steps?template_id={made.json['id']}").status_code == 404
    missing = acme.post(f"{API}/templates/from-library", {"key": "nope"})
    assert missing.status_code == 404
    bad = acme.post(f"{API}/templates/from-library", {"key": "nurture", "name": ""})
    assert bad.status_code == 422 and "body.name" in bad.json["error"]["fields"]


def test_duplicate_and_restore(acme, rival):
    ids = sequence(acme, follow_up=True)
    copy = acme.post(f"{API}/templates/{ids['template']}/duplicate")
    assert copy.status_code == 201 and copy.json["name"] == "Cold (copy)"
    assert len(acme.get(f"{API}/steps?template_id={copy.json['id']}").json["items"]) == 3
    assert rival.post(f"{API}/templates/{ids['template']}/duplicate").status_code == 404
    acme.delete(f"{API}/templates/{copy.json['id']}")
    assert acme.get(f"{API}/templates/{copy.json['id']}").status_code == 404
    assert rival.post(f"{API}/templates/{copy.json['id']}/restore").status_code == 404
    back = acme.post(f"{API}/templates/{copy.json['id']}/restore")
    assert back.status_code == 200 and back.json["deleted_at"] is None
    assert acme.get(f"{API}/templates/{copy.json['id']}").status_code == 200


def test_enrollment_plan_counts_without_enrolling(acme, rival):
    ids = sequence(acme)
    other = acme.post(f"{API}/leads", {"email": "x@lead.example"}).json["id"]  # no first_name
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    body = {"template_id": ids["template"], "lead_ids": [ids["lead"], other, "nope"]}
    plan = acme.post(f"{API}/enrollments/plan", body)
    assert plan.status_code == 200, plan.json
    assert plan.json["enrolled"] == 1 and plan.json["skipped"] == 2
    assert {r["reason"] for r in plan.json["skip_reasons"]} == {"already_enrolled", "invalid_id"}
    assert plan.json["missing_variables"] == [
        {"reason": "missing_variable: first_name (step 1)", "count": 1}
    ]
    listed = acme.get(f"{API}/enrollments?template_id={ids['template']}").json["items"]
    assert len(listed) == 1
    assert rival.post(f"{API}/enrollments/plan", body).status_code == 404


def test_lead_timeline(acme, rival):
    ids = sequence(acme)
    acme.post(f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"]})
    answer = acme.get(f"{API}/leads/{ids['lead']}/timeline")
    assert answer.status_code == 200, answer.json
    [line] = answer.json["enrollments"]
    assert line["template_name"] == "Cold" and line["schedule"]["status"] == "active"
    assert answer.json["lead"]["email"] == "bob@lead.example"
    assert rival.get(f"{API}/leads/{ids['lead']}/timeline").status_code == 404
    assert acme.get(f"{API}/leads/nope/timeline").status_code in (404, 422)
