"""The forecast's REST routes: shape, days in the organization's zone, tenant isolation."""

from __future__ import annotations

from datetime import date, timedelta

from tests.api_support import ALWAYS_OPEN, API, sequence

AT = "2026-06-01T08:00:00Z"  # a Monday


def test_template_and_org_forecast_shapes(acme):
    ids = sequence(acme, settings={**ALWAYS_OPEN, "daily_limit": 1}, follow_up=True)
    other = acme.post(f"{API}/leads", {"email": "eve@lead.example", "first_name": "Eve"}).json
    for lead in (ids["lead"], other["id"]):
        created = acme.post(
            f"{API}/enrollments", {"template_id": ids["template"], "lead_id": lead, "start_at": AT}
        )
        assert created.status_code == 201, created.json

    answer = acme.get(f"{API}/templates/{ids['template']}/forecast", query_string={"at": AT})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["template_id"] == ids["template"] and body["template_name"] == "Cold"
    assert body["zone"] == "UTC" and len(body["days"]) == 14
    assert [d["day"] for d in body["days"]][:2] == ["2026-06-01", "2026-06-02"]
    assert body["days"][0]["weekday"] == "Monday"
    # The template's limit of one a day: a first email each day, the other held back once.
    assert [d["sent"] for d in body["days"][:2]] == [1, 1]
    assert body["days"][0]["deferred"] == 1
    assert body["days"][0]["deferred_by"][0]["limit"]["scope"] == "template"
    assert body["bottleneck"]["per_day"] == 1 and body["awaiting_first"] == 2
    assert body["last_first_day"] == "2026-06-02" and body["days_to_last_first"] == 2
    assert "2 leads waiting for a first email" in body["summary"]
    assert body["sent"] == 4 and body["pending_at_end"] == 0  # both follow-ups go too
    assert any("No new events" in a for a in body["assumptions"])

    org = acme.get(f"{API}/forecast", query_string={"at": AT, "days": 3}).json
    assert org["template_id"] is None and len(org["days"]) == 3
    assert org["sent"] == sum(d["sent"] for d in org["days"]) == 2


def test_another_orgs_template_is_404_and_bad_days_name_the_field(acme, rival):
    ids = sequence(acme)
    assert rival.get(f"{API}/templates/{ids['template']}/forecast").status_code == 404
    assert acme.get(f"{API}/templates/not-a-uuid/forecast").status_code in (400, 404, 422)
    bad = acme.get(f"{API}/forecast", query_string={"days": 0})
    assert bad.status_code in (400, 422) and "days" in str(bad.json)
    empty = rival.get(f"{API}/forecast").json
    assert empty["enrollments"] == 0 and empty["sent"] == 0
    first = date.fromisoformat(empty["days"][0]["day"])
    assert date.fromisoformat(empty["days"][-1]["day"]) == first + timedelta(days=13)
