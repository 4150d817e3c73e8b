"""The dashboard and a template's metrics pages through the plugin app: cards, the SVG charts
with their labels, what needs attention, empty states, escaping, zones, another org's 404."""

from __future__ import annotations

import re
from datetime import timedelta

from sequences_core.clock import utcnow
from sequences_core.db.models import Mailbox
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.organizations import create_organization
from tests.metrics_support import (
    decided,
    email_condition_email,
    execution,
    sent_email,
    set_status,
)
from tests.ui_support import signed_in  # noqa: F401 - a fixture

XSS = "<script>alert(1)</script>"


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _card(html: str, name: str) -> str:
    found = re.search(rf"<dt>{name}</dt><dd>([^<]*)</dd>", html)
    assert found, name
    return found.group(1)


def _org_with_activity(clean_db, zone="America/New_York"):  # type: ignore[no-untyped-def]
    with UnitOfWork(clean_db) as uow:
        org = create_organization(uow, f"{XSS} Org", timezone=zone).organization
        seq = email_condition_email(uow, org.id, name=XSS)
        at = utcnow() - timedelta(days=2)
        sent_email(uow, org.id, seq, 0, 0, ["delivered", "bot:open", "open", "reply"], at)
        sent_email(uow, org.id, seq, 1, 0, ["delivered", "bot:open"], at)
        decided(uow, org.id, seq, 0, "if_true", at)
        decided(uow, org.id, seq, 1, "if_false", at)
        set_status(uow, seq.enrollments[2], "paused", "missing_variable: company")
        uow.session.add(
            Mailbox(organization_id=org.id, from_email="eve@acme.example", status="paused",
                    paused_reason=f"manual: {XSS}")
        )  # fmt: skip
        uow.commit()
    return org, seq


def test_dashboard_shows_cards_chart_and_attention_escaped_in_the_orgs_zone(signed_in, clean_db):
    client, _ = signed_in
    _org, seq = _org_with_activity(clean_db)
    page = client.get("/sequences/dashboard")
    assert page.status_code == 200, page.text
    html = _flat(page.text)
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/sequences/dashboard" aria-current="page">Dashboard</a>' in html
    assert _card(html, "Active enrollments") == "3"  # 4 enrolled, one paused
    assert _card(html, "Open rate") == "50.0%"  # the scanners' opens count nowhere
    assert _card(html, "Reply rate") == "50.0%"
    assert (
        "America/New_York" in html and "machine opens and clicks excluded (2 in the period)" in html
    )
    svg = re.search(r"<svg class=\"chart-svg\".*?</svg>", html).group(0)
    title = "Emails sent and replies per day, last 30 days (America/New_York)"
    assert f'<title id="daily-title">{title}</title>' in svg
    assert "2 emails sent (bars) and 1 replies (line)" in svg  # the <desc>
    assert svg.count("<rect ") == 30 and "Day (America/New_York)" in svg and ">Emails</text>" in svg
    assert 'Needs attention <span class="badge">2</span>' in html
    assert "Mailbox eve@acme.example is paused</strong>: manual: &lt;script&gt;" in html
    assert f'<a href="/sequences/metrics/{seq.template_id}">&lt;script&gt;' in html
    assert "<code>missing_variable: company</code>" in html
    assert "Too few sends to judge" in html  # the guard's table, the organization first
    table = re.search(r'<table class="data templates">.*?</table>', html).group(0)
    row = (
        f'<th scope="row"><a href="/sequences/metrics/{seq.template_id}">&lt;script&gt;alert(1)'
        '&lt;/script&gt;</a></th> <td class="num">3</td> <td class="num">2</td> '
        '<td class="num">50.0%</td> <td class="num">50.0%</td> <td class="num">0.0%</td>'
    )  # 3 active, 2 sent, 1 reply, one email opened by a person (the scanner's not), no bounce
    assert row in table and '<th scope="col" class="num">Sent (30 days)</th>' in table


def test_dashboard_lists_emails_in_unknown_state_with_the_reason(signed_in, clean_db):
    client, _ = signed_in
    org, seq = _org_with_activity(clean_db, zone="UTC")
    with UnitOfWork(clean_db) as uow:
        for who in (0, 1):
            execution(uow, org.id, seq.enrollments[who], seq.steps[0], 0, "email", "unknown",
                      None, error=f"transport: {XSS}")  # fmt: skip
    html = _flat(client.get("/sequences/dashboard").text)
    assert 'Needs attention <span class="badge">3</span>' in html
    assert f'2 emails of <a href="/sequences/metrics/{seq.template_id}">&lt;script&gt;' in html
    assert "in unknown state</strong> since" in html and "— transport: &lt;script&gt;" in html


def test_dashboard_of_an_empty_organization_says_what_to_do(signed_in, clean_db):
    client, _ = signed_in
    with UnitOfWork(clean_db) as uow:
        create_organization(uow, "Quiet", timezone="Asia/Tokyo")
    html = _flat(client.get("/sequences/dashboard").text)
    assert "No emails sent in the last 30 days. Enroll leads" in html
    assert "<svg" not in html and "Nothing needs attention" in html
    assert _card(html, "Sent today") == "0" and "Asia/Tokyo" in html
    assert "No sequences yet." in html and "data templates" not in html


def test_template_metrics_page_funnel_branches_and_completion(signed_in, clean_db):
    client, _ = signed_in
    _org, seq = _org_with_activity(clean_db)
    with UnitOfWork(clean_db) as uow:
        set_status(uow, seq.enrollments[0], "completed")
    listed = client.get("/sequences/").text  # the list links each template's metrics
    assert (
        f'href="/sequences/metrics/{seq.template_id}" aria-label="Metrics of &lt;script&gt;'
        in listed
    )
    page = client.get(f"/sequences/metrics/{seq.template_id}")
    assert page.status_code == 200, page.text
    html = _flat(page.text)
    assert XSS not in html and "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert _card(html, "Completion rate") == "25.0%"
    assert "1 completed / 4 enrolled" in html
    funnel = re.search(r"<svg class=\"chart-svg funnel\".*?</svg>", html).group(0)
    assert "Funnel of Step 1 · email: First" in funnel
    stages = "Sent 2 (100.0%), Delivered 2 (100.0%), Opened 1 (50.0%), Clicked 0 (0.0%)"
    assert f"{stages}, Replied 1 (50.0%)" in funnel
    assert ">2 · 100.0%</text>" in funnel and ">1 · 50.0%</text>" in funnel
    assert "Machine events, not counted above: 2 opens, 0 clicks" in html
    assert "<strong>1</strong> took the “yes” branch (<code>if_true</code>, 50.0%)" in html
    assert "No email sent from this step yet." in html  # the third step
    assert "America/New_York" in html


def test_another_organizations_template_metrics_is_a_404_page(signed_in, clean_db):
    client, _ = signed_in
    _org, seq = _org_with_activity(clean_db)
    with UnitOfWork(clean_db) as uow:
        create_organization(uow, "0 first by name")  # the user's default organization now
    for path in (f"/sequences/metrics/{seq.template_id}", "/sequences/metrics/nope"):
        page = client.get(path)
        assert page.status_code == 404 and "Sequence not found" in page.text
