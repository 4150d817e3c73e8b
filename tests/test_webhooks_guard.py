"""The SSRF guard as a pure function: every address in a refused range is refused (in every
IPv6 form that carries it), public ones pass, and the allow-list admits only what it names.
No test here resolves a real name: resolvers are dictionaries."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sequences_core.webhooks.guard import (
    REFUSED_NETWORKS,
    AllowList,
    ResolveFailed,
    UrlRefused,
    check_allow_entry,
    check_url,
    refusal,
)

V4_REFUSED = [net for net, _ in REFUSED_NETWORKS if net.version == 4]
V6_REFUSED = [net for net, _ in REFUSED_NETWORKS if net.version == 6]
GLOBAL_V6 = ipaddress.IPv6Network("2000::/3")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NOBODY = AllowList()


def dns(table: dict[str, list[str]]):
    return lambda host, port: table[host]


def in_any(address, networks) -> bool:
    return any(address in net for net in networks)


def mapped(v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(0xFFFF_0000_0000 | int(v4))


def nat64(v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(int(NAT64.network_address) | int(v4))


def six_to_four(v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address((0x2002 << 112) | (int(v4) << 80) | 1)


refused_v4 = st.sampled_from(V4_REFUSED).flatmap(lambda net: st.ip_addresses(network=net))
refused_v6 = st.sampled_from(V6_REFUSED).flatmap(lambda net: st.ip_addresses(network=net))


@given(refused_v4)
@example(ipaddress.IPv4Address("169.254.169.254"))
@example(ipaddress.IPv4Address("255.255.255.255"))
def test_every_address_in_a_refused_ipv4_range_is_refused_in_every_form(address):
    assert refusal(address)
    for form in (mapped(address), nat64(address), six_to_four(address)):
        assert refusal(form), form


@given(refused_v6)
def test_every_address_in_a_refused_ipv6_range_is_refused(address):
    assert refusal(address)


@given(st.ip_addresses(v=4).filter(lambda a: not in_any(a, V4_REFUSED)))
@example(ipaddress.IPv4Address("8.8.8.8"))
@example(ipaddress.IPv4Address("100.63.255.255"))  # just below carrier-grade NAT
def test_public_ipv4_passes_and_so_do_its_mapped_and_nat64_forms(address):
    assert refusal(address) is None
    assert refusal(mapped(address)) is None
    assert refusal(nat64(address)) is None


@given(st.ip_addresses(v=6, network=GLOBAL_V6).filter(lambda a: not in_any(a, V6_REFUSED)))
@example(ipaddress.IPv6Address("2606:4700:4700::1111"))
def test_public_ipv6_passes(address):
    assert refusal(address) is None


@given(st.ip_addresses())
def test_whatever_python_calls_non_global_is_refused(address):
    """An oracle: Python's own special-purpose tables (whose exact answers vary between patch
    releases) never admit an address the guard lets through, judged by the IPv4 address an
    IPv4-mapped or NAT64 address carries."""
    judged = address
    if address.version == 6 and address.ipv4_mapped:
        judged = address.ipv4_mapped
    elif address in NAT64:
        judged = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    special = (
        judged.is_private or judged.is_loopback or judged.is_link_local or judged.is_multicast
        or judged.is_reserved or judged.is_unspecified or not judged.is_global
    )  # fmt: skip
    if special:
        assert refusal(address), address


@given(st.ip_addresses(v=6).filter(lambda a: a not in GLOBAL_V6))
def test_ipv6_outside_global_unicast_passes_only_as_a_public_ipv4(address):
    carried = address.ipv4_mapped or (
        ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
    )
    if carried is None or refusal(carried):
        assert refusal(address)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://10.0.0.1/", "10.0.0.1 is a private address (10.0.0.0/8)"),
        ("http://169.254.169.254/latest/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:127.0.0.1]/", "loopback address (127.0.0.0/8), in IPv4-mapped form"),
        ("http://[::ffff:7f00:1]/", "loopback address (127.0.0.0/8), in IPv4-mapped form"),
        ("http://[::7f00:1]/", "reserved address"),
        ("http://[64:ff9b::a00:1]/", "private address (10.0.0.0/8), in NAT64 form"),
        ("http://[2002:a00:1::1]/", "6to4"),
        ("http://[fe80::1%25eth0]/", "zone identifiers"),
        ("http://[fd00::1]/", "unique-local"),
        ("http://100.64.1.1/", "carrier-grade NAT"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://255.255.255.255/", "the broadcast address"),
        ("http://192.0.2.10/", "documentation"),
        ("http://2130706433/", "non-standard form"),
        ("http://0x7f.1/", "non-standard form"),
        ("http://127.1/", "non-standard form"),
        ("http://public.test:25/", "port 25 is refused"),
        ("http://public.test:0/", "port 0 is refused"),
        ("gopher://public.test/", "only http and https"),
        ("http://user:pw@public.test/", "credentials"),
        ("http://public.test\\@10.0.0.1/", "backslashes"),
        ("http:///nohost", "no host"),
        ("http://bücher.test/", "xn--"),
        ("http://internal.test/", "internal.test resolves to 10.9.8.7, a private address"),
        ("http://mixed.test/", "mixed.test resolves to 172.16.0.9"),
    ],
)
def test_refusals_say_why(url, words):
    resolver = dns(
        {
            "public.test": ["93.184.216.34"],
            "internal.test": ["10.9.8.7"],
            "mixed.test": ["93.184.216.34", "172.16.0.9"],
        }
    )
    with pytest.raises(UrlRefused) as refused:
        check_url(url, NOBODY, resolver)
    assert words in refused.value.reason


def test_a_public_url_passes_with_its_first_address_to_dial():
    resolver = dns({"hooks.example.test": ["2606:4700::1", "93.184.216.34"]})
    target = check_url("HTTPS://Hooks.Example.TEST:8443/x?y=1", NOBODY, resolver)
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.test", 8443)
    assert str(target.address) == "2606:4700::1"
    assert check_url("http://93.184.216.34/", NOBODY, resolver).port == 80


def test_an_ipv4_mapped_public_address_is_dialled_as_ipv4():
    target = check_url("http://x.test/", NOBODY, dns({"x.test": ["::ffff:93.184.216.34"]}))
    assert target.address == ipaddress.IPv4Address("93.184.216.34")


def test_a_host_that_does_not_resolve_is_not_a_refusal():
    def fails(host, port):
        raise OSError("no such host")

    with pytest.raises(ResolveFailed):
        check_url("http://gone.test/", NOBODY, fails)
    with pytest.raises(ResolveFailed):
        check_url("http://empty.test/", NOBODY, dns({"empty.test": []}))


def test_the_allow_list_admits_what_it_names_and_nothing_more():
    resolver = dns({"crm.internal": ["10.1.2.3"], "db.internal": ["10.1.2.4", "192.168.0.1"]})
    allow = AllowList.parse(["CRM.internal.", "10.1.0.0/16", "127.0.0.1"])
    assert str(check_url("http://crm.internal/", allow, resolver).address) == "10.1.2.3"
    assert str(check_url("http://10.1.9.9:8080/", allow, resolver).address) == "10.1.9.9"
    assert str(check_url("http://127.0.0.1:5000/", allow, resolver).address) == "127.0.0.1"
    assert str(check_url("http://[::ffff:127.0.0.1]:5000/", allow, resolver).address) == (
        "127.0.0.1"
    )
    with pytest.raises(UrlRefused, match=r"192\.168\.0\.1"):
        check_url("http://db.internal/", allow, resolver)
    for url in ("http://127.0.0.2/", "http://10.2.0.1/", "http://169.254.169.254/"):
        with pytest.raises(UrlRefused):
            check_url(url, allow, resolver)
    with pytest.raises(UrlRefused, match="port 22"):
        check_url("http://crm.internal:22/", allow, resolver)


@pytest.mark.parametrize(
    ("entry", "stored"),
    [
        (" CRM.Internal ", "crm.internal"),
        ("10.1.2.3", "10.1.2.3"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("fd00::/8", "fd00::/8"),
        ("::1", "::1"),
    ],
)
def test_allow_entries_are_normalised(entry, stored):
    assert check_allow_entry(entry) == stored


@pytest.mark.parametrize("entry", ["0.0.0.0/0", "10.0.0.0/7", "::/0", "a b", "2130706433", ""])
def test_bad_or_too_broad_allow_entries_are_refused(entry):
    with pytest.raises(ValueError):
        check_allow_entry(entry)
