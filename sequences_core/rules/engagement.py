"""Opens and clicks as people made them, told apart from machines that fetch on their behalf.

Pure rules over one hit (user agent, address, time since delivery); the few rules that need
several hits (every link of one email clicked in the same second) run in SQL when a batch of
hits is written (`services/tracking.py`). A machine event is kept, flagged `bot`, with the
reason; it counts in no rate and triggers no condition.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from ua_parser import parse

# Opens and clicks this soon after delivery are prefetches (gateways scanning mail on
# arrival, clients fetching images while filing), not a person reading.
PREFETCH_WINDOW = timedelta(seconds=5)

# Security gateways and link rewriters that fetch every URL of a message before the person
# sees it. Matched case-insensitively against the user agent.
_SCANNER_MARKS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "ppops",  # Proofpoint URL Defense
    "messagelabs",
    "symantec",
    "forcepoint",
    "trend micro",
    "trendmicro",
    "zscaler",
    "fireeye",
    "sophos",
    "cisco ironport",
    "safelinks",
    "safe links",
    "bingpreview",
    "headlesschrome",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "curl/",
    "wget/",
    "okhttp",
    "java/",
    "libwww-perl",
    "scrapy",
)

# Link rewriters and gateways detonate links (and fetch images) from their vendors' published
# data-centre ranges, whatever agent they claim; no person reads mail from these addresses.
# Apple's Mail Privacy Protection fetches from 17.0.0.0/8.
_RANGES = {
    "microsoft_safe_links": ("40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17"),
    "proofpoint_url_defense": ("148.163.128.0/19", "67.231.144.0/20"),
    "mimecast_url_protect": ("205.139.110.0/24", "207.211.30.0/24", "216.205.24.0/24",
                             "91.220.42.0/24", "146.101.78.0/24"),
    "barracuda_link_protection": ("64.235.144.0/20", "209.222.80.0/21"),
    "apple_mail_privacy_protection": ("17.0.0.0/8",),
}  # fmt: skip
_NETWORKS = {
    reason: tuple(ipaddress.ip_network(n) for n in nets) for reason, nets in _RANGES.items()
}


@dataclass(frozen=True)
class Agent:
    device: str | None  # desktop, mobile, tablet, bot
    client: str | None  # e.g. "Outlook", "Gmail", "Apple Mail"
    machine_reason: str | None  # why a hit from this agent is a machine, if it is one


def _client_name(family: str | None, ua: str) -> str | None:
    lowered = ua.lower()
    if "googleimageproxy" in lowered or family == "GmailImageProxy":
        return "Gmail"
    if "yahoomailproxy" in lowered:
        return "Yahoo Mail"
    if family in (None, "Other"):
        return None
    if family.startswith("Mobile Safari UI/WKWebView") or family == "Apple Mail":
        return "Apple Mail"
    return family


@lru_cache(maxsize=4096)
def classify_agent(user_agent: str | None) -> Agent:
    """Device, client and machine verdict from a user agent (cached: mail clients repeat)."""
    ua = (user_agent or "").strip()
    if not ua:
        return Agent(None, None, "no_user_agent")
    lowered = ua.lower()
    # Apple Mail Privacy Protection prefetches every image through Apple's proxy with the
    # bare agent "Mozilla/5.0", whether or not the person ever opens the message.
    if ua == "Mozilla/5.0":
        return Agent(None, "Apple Mail", "apple_mail_privacy_protection")
    parsed = parse(ua)
    family = parsed.user_agent.family if parsed.user_agent else None
    device_family = parsed.device.family if parsed.device else None
    os_family = parsed.os.family if parsed.os else None
    client = _client_name(family, ua)
    for mark in _SCANNER_MARKS:
        if mark in lowered:
            return Agent("bot", client, f"scanner: {mark.strip('/')}")
    # Gmail's and Yahoo's image proxies are *not* machines by their agent alone: they fetch
    # the images when the person opens the message (Gmail since 2013, then caches them), so
    # a proxied fetch is a real open. Only a fetch within seconds of delivery (the prefetch
    # rule, applied where hits are written) is a machine. The proxy hides the device.
    if client in ("Gmail", "Yahoo Mail"):
        return Agent(None, client, None)
    if device_family == "Spider":
        return Agent("bot", client, f"crawler: {family or 'unknown'}")
    return Agent(_device(ua, device_family, os_family), client, None)


def _device(ua: str, device_family: str | None, os_family: str | None) -> str:
    lowered = ua.lower()
    if (
        device_family == "iPad"
        or "tablet" in lowered
        or (os_family == "Android" and "mobile" not in lowered)
    ):
        return "tablet"
    if os_family in ("iOS", "Android", "Windows Phone", "BlackBerry OS") or "mobile" in lowered:
        return "mobile"
    return "desktop"


@lru_cache(maxsize=8192)
def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The parsed address (an IPv4-mapped IPv6 address as its IPv4 self), or None."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8192)
def network_reason(ip: str | None) -> str | None:
    """A machine verdict from the address alone (known scanner and prefetch ranges)."""
    address = _address(ip)
    if address is None:
        return None
    for reason, networks in _NETWORKS.items():
        if any(address in net for net in networks):
            return reason
    return None


def machine_reason(user_agent: str | None, ip: str | None) -> str | None:
    """Why one hit is a machine's by who made it, or None when it looks like a person.

    The timing rules (within seconds of delivery, all links in one second) need the send
    time and the other hits, so they are applied where hits are written.
    """
    return classify_agent(user_agent).machine_reason or network_reason(ip)


@lru_cache(maxsize=8192)
def truncate_ip(ip: str | None) -> str | None:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6 (privacy by default)."""
    address = _address(ip)
    if address is None:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
