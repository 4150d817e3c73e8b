"""Who opened or clicked: people, their clients and devices, and machines fetching for them."""

from __future__ import annotations

import pytest

from sequences_core.rules.engagement import (
    classify_agent,
    machine_reason,
    network_reason,
    truncate_ip,
)

PEOPLE = [
    ("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)", "Outlook",
     "desktop"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Mobile/15E148", "Apple Mail", "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Mobile/15E148", "Apple Mail", "tablet"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36", "Chrome", "desktop"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.6099.43 Mobile Safari/537.36", "Chrome Mobile", "mobile"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Thunderbird/115.6.0",
     "Thunderbird", "desktop"),
    ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
     "Gmail", None),
    ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "Yahoo Mail",
     None),
]  # fmt: skip

MACHINES = [
    ("Mozilla/5.0", "apple_mail_privacy_protection"),
    ("", "no_user_agent"),
    (None, "no_user_agent"),
    ("python-requests/2.31.0", "scanner: python-requests"),
    ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "scanner: barracuda"),
    ("Mimecast-URL-Protect/1.0", "scanner: mimecast"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 "
     "Safari/537.36", "scanner: headlesschrome"),
    ("Googlebot/2.1 (+http://www.google.com/bot.html)", "crawler: Googlebot"),
    ("curl/8.4.0", "scanner: curl"),
]  # fmt: skip


@pytest.mark.parametrize(("agent", "client", "device"), PEOPLE)
def test_people_get_their_client_and_device(agent, client, device):
    found = classify_agent(agent)
    assert found.machine_reason is None
    assert (found.client, found.device) == (client, device)


@pytest.mark.parametrize(("agent", "reason"), MACHINES)
def test_machines_are_named(agent, reason):
    assert classify_agent(agent).machine_reason == reason
    assert machine_reason(agent, "203.0.113.9") == reason


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("40.107.22.5", "microsoft_safe_links"),
        ("52.101.0.1", "microsoft_safe_links"),
        ("17.58.0.1", "apple_mail_privacy_protection"),
        ("148.163.130.7", "proofpoint_url_defense"),
        ("205.139.110.20", "mimecast_url_protect"),
        ("64.235.150.1", "barracuda_link_protection"),
        ("::ffff:17.58.0.1", "apple_mail_privacy_protection"),  # IPv4-mapped, as dual-stack logs it
        ("203.0.113.9", None),
        ("2001:db8::1", None),
        ("not an address", None),
        (None, None),
    ],
)
def test_known_scanner_and_proxy_networks(ip, reason):
    assert network_reason(ip) == reason


def test_a_human_agent_from_a_scanner_network_is_a_machine():
    outlook = PEOPLE[0][0]
    assert machine_reason(outlook, "40.107.1.1") == "microsoft_safe_links"
    assert machine_reason(outlook, "198.51.100.1") is None


@pytest.mark.parametrize(
    ("ip", "kept"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:85a3:1234:8a2e::7334", "2001:db8:85a3::"),
        ("::ffff:203.0.113.77", "203.0.113.0"),  # IPv4-mapped: kept as its /24
        ("bogus", None),
        (None, None),
    ],
)
def test_addresses_are_truncated_to_their_network(ip, kept):
    assert truncate_ip(ip) == kept
