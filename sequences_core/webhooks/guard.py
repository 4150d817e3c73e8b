"""Which URLs a webhook step may call, and the one address the call then dials.

A webhook URL is typed by a user, and the call leaves from inside our network: without a
guard, `http://169.254.169.254/` reads the cloud's credentials and `http://10.0.0.5:6379/`
talks to an internal Redis. `check_url` admits a URL only if every address its host resolves
to is a public unicast address (or the organization's allow-list names the host or the
address), and returns the checked address: the client dials exactly that address, so a
second DNS answer (DNS rebinding) never reaches a socket.

Pure over its inputs: the URL, the resolver (`socket.getaddrinfo` by default, a fake in
tests) and the allow-list.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_PORTS = {"http": 80, "https": 443}
# Ports below this are system services (SMTP 25, SSH 22, LDAP 389…); 80 and 443 are allowed.
LOWEST_OPEN_PORT = 1024

# Special-purpose ranges (IANA's IPv4 and IPv6 special-purpose registries, RFC 6890 and
# successors) that a webhook may not reach. Listed here rather than read from `ipaddress`'s
# is_global/is_private, whose answers changed between Python patch releases.
_REFUSED_V4 = {
    "0.0.0.0/8": "an unspecified ('this network') address",
    "10.0.0.0/8": "a private address",
    "100.64.0.0/10": "a carrier-grade NAT address",
    "127.0.0.0/8": "a loopback address",
    "169.254.0.0/16": "a link-local address, where cloud metadata services answer",
    "172.16.0.0/12": "a private address",
    "192.0.0.0/24": "an IETF protocol address",
    "192.0.2.0/24": "a documentation address",
    "192.88.99.0/24": "a 6to4 relay address",
    "192.168.0.0/16": "a private address",
    "198.18.0.0/15": "a benchmarking address",
    "198.51.100.0/24": "a documentation address",
    "203.0.113.0/24": "a documentation address",
    "224.0.0.0/4": "a multicast address",
    "255.255.255.255/32": "the broadcast address",
    "240.0.0.0/4": "a reserved address",
}
_REFUSED_V6 = {
    "::/128": "the unspecified address",
    "::1/128": "the loopback address",
    "64:ff9b:1::/48": "a local-use NAT64 address",
    "100::/64": "a discard-only address",
    "2001::/23": "an IETF protocol address (Teredo, benchmarking, ORCHID…)",
    "2001:db8::/32": "a documentation address",
    "2002::/16": "a 6to4 address (it embeds an IPv4 address)",
    "3fff::/20": "a documentation address",
    "5f00::/16": "an SRv6 address",
    "fc00::/7": "a unique-local (private) address",
    "fe80::/10": "a link-local address",
    "fec0::/10": "a site-local address",
    "ff00::/8": "a multicast address",
}
# Most specific first, so 255.255.255.255 is named the broadcast address, not 240/4's.
REFUSED_NETWORKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    sorted(
        ((ipaddress.ip_network(net), why) for net, why in (_REFUSED_V4 | _REFUSED_V6).items()),
        key=lambda item: -item[0].prefixlen,
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
MAX_ALLOW_ENTRIES = 50
# An allow-list admits internal networks; a shorter prefix would switch the guard off.
_MIN_ALLOW_PREFIX = {4: 8, 6: 7}


class UrlRefused(Exception):
    """The URL may not be called; `reason` says why, for the execution's record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResolveFailed(Exception):
    """The host did not resolve: DNS may answer later, so the call may be tried again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to `address`:`port`, naming `host` (Host header, TLS SNI)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


@dataclass(frozen=True)
class AllowList:
    """An organization's named internal hosts and networks, which the guard admits."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """From stored entries (`check_allow_entry`'s output); ValueError names a bad one."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            found = _allow_entry(entry)
            if isinstance(found, str):
                hosts.add(found)
            else:
                networks.append(found)
        return cls(frozenset(hosts), tuple(networks))

    def admits_host(self, host: str) -> bool:
        return host.rstrip(".") in self.hosts

    def admits(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def check_allow_entry(entry: str) -> str:
    """One allow-list entry, normalised: a hostname, an IP address or a CIDR network."""
    found = _allow_entry(entry)
    return found if isinstance(found, str) else _network_text(found)


def _network_text(network: IPNetwork) -> str:
    single = network.prefixlen == network.max_prefixlen
    return str(network.network_address) if single else str(network)


def _allow_entry(entry: str) -> str | IPNetwork:
    text = entry.strip().lower()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        if not _HOSTNAME.fullmatch(text) or len(text) > 253 or _numeric(text):
            raise ValueError(
                f"{entry[:100]!r} is neither a hostname, an IP address nor a CIDR network "
                "(e.g. crm.internal, 10.1.2.3, 10.0.0.0/8)"
            ) from None
        return text.rstrip(".")
    if network.prefixlen < _MIN_ALLOW_PREFIX[network.version]:
        raise ValueError(
            f"{entry[:100]!r} is too broad: allow internal networks (e.g. 10.0.0.0/8), "
            "not the internet"
        )
    return network


def refusal(address: IPAddress) -> str | None:
    """Why a webhook may not connect to `address`, or None for a public unicast address.

    IPv4-mapped IPv6 (`::ffff:127.0.0.1`) and NAT64 (`64:ff9b::a00:1`) forms are judged by
    the IPv4 address they carry; IPv6 outside global unicast (2000::/3), which includes the
    deprecated IPv4-compatible form (`::7f00:1`), is reserved.
    """
    embedded = _embedded_v4(address)
    if embedded is not None:
        inner = refusal(embedded[0])
        return f"{inner}, in {embedded[1]} form" if inner else None
    for network, why in REFUSED_NETWORKS:
        if address in network:
            return f"{why} ({network})"
    if address.version == 6 and address not in _GLOBAL_UNICAST_V6:
        return "a reserved address (IPv6 outside global unicast 2000::/3)"
    return None


def _embedded_v4(address: IPAddress) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address stands for, and the form's name."""
    if address.version == 4:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
    return None


def dial_address(address: IPAddress) -> IPAddress:
    """The address to open a socket to: an IPv4-mapped address as the IPv4 it means."""
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses, as the operating system resolves them."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(sockaddr[0]) for *_, sockaddr in found]


def check_url(url: str, allow: AllowList, resolver: Resolver = system_resolver) -> Target:
    """The URL's checked target, or UrlRefused with the reason (ResolveFailed if its host does
    not resolve). Every address the host resolves to must pass: one bad answer refuses the
    URL rather than picking a good one, since the attacker chooses the order."""
    scheme, host, port, literal = _parts(url)
    addresses = [literal] if literal is not None else _resolve(resolver, host, port)
    if literal is not None or not allow.admits_host(host):
        for address in addresses:
            _check_address(host, address, allow, literal is not None)
    return Target(url, scheme, host, port, dial_address(addresses[0]))


def _parts(url: str) -> tuple[str, str, int, IPAddress | None]:
    """Scheme, lowercase host, port and the host as an IP address if it is one; anything a
    parser could read two ways is refused."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise UrlRefused("the URL holds whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UrlRefused(f"not a valid URL: {err}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlRefused(f"only http and https URLs may be called (not {scheme or 'none'!r})")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("the URL holds credentials (user:password@); send them in a header")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefused("the URL has no host")
    port = DEFAULT_PORTS[scheme] if port is None else port
    _check_port(port)
    literal = _ip_literal(host)
    if literal is None and not (host.isascii() and _HOSTNAME.fullmatch(host)):
        raise UrlRefused(f"{host[:100]!r} is not a valid host name (use the xn-- form for IDN)")
    if literal is None and _numeric(host):
        raise UrlRefused(f"{host!r} is an IP address in a non-standard form")
    return scheme, host, port, literal


def _check_port(port: int) -> None:
    if port < LOWEST_OPEN_PORT and port not in DEFAULT_PORTS.values():
        raise UrlRefused(f"port {port} is refused: below {LOWEST_OPEN_PORT}, only 80 and 443")


def port_problem(port: int | None) -> str | None:
    """What is wrong with a URL's port, for validation at save."""
    try:
        _check_port(port if port is not None else 443)
    except UrlRefused as err:
        return err.reason
    return None


def _numeric(host: str) -> bool:
    """A host whose last label is a number is an IPv4 address to URL parsers and resolvers
    (`2130706433`, `0x7f.1`, `127.1`): only the dotted-quad form is taken, as a literal."""
    return bool(_NUMERIC_LABEL.fullmatch(host.rstrip(".").rsplit(".", 1)[-1]))


def _ip_literal(host: str) -> IPAddress | None:
    if (
        ":" in host and "%" in host
    ):  # a zone id (fe80::1%eth0) names an interface: link-local, never public
        raise UrlRefused("IPv6 zone identifiers are refused")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(resolver: Resolver, host: str, port: int) -> list[IPAddress]:
    try:
        answers = resolver(host, port)
    except (OSError, UnicodeError) as err:
        raise ResolveFailed(f"{host} did not resolve: {err}") from None
    if not answers:
        raise ResolveFailed(f"{host} resolved to no address")
    try:
        return [ipaddress.ip_address(answer) for answer in answers]
    except ValueError as err:
        raise UrlRefused(f"{host} resolves to an unusable address: {err}") from None


def _check_address(host: str, address: IPAddress, allow: AllowList, literal: bool) -> None:
    if allow.admits(address) or allow.admits(dial_address(address)):
        return
    why = refusal(address)
    if why is not None:
        where = f"{host} is" if literal else f"{host} resolves to {address},"
        raise UrlRefused(f"{where} {why}; an organization admin can allow it (webhook_allow)")
