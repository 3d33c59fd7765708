"""The one HTTP client for URLs that partners give the hub (webhook endpoints).

A URL a partner registers is an address the hub's workers will connect to from inside its
own network, so the client guards against server-side request forgery:

- only https (plain http only where ``WEBHOOK_ALLOW_HTTP`` says so: development);
- the host name is resolved once, every address it resolves to must be a public unicast one
  (no loopback, private, shared, link-local — the cloud metadata address is one —,
  multicast, reserved or unspecified range, IPv4 or IPv6, nor an IPv6 form that embeds such
  an IPv4 address), and the connection is made to that checked address: the name is never
  resolved a second time, so a DNS answer that changes between check and connect (DNS
  rebinding) reaches nothing;
- no redirects are followed, and the request and the answer are bounded in time and size.

``WEBHOOK_ALLOWED_NETWORKS`` exempts named networks (a loopback receiver in development and
in the tests); production allows none. ``OUTBOUND_RESOLVE_TO`` makes every host name
resolve to one address without asking DNS, which keeps a test machine's traffic on loopback.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ApplicationError, CommonErrorCode

# characters a path and query keep as they are (RFC 3986 reserved and unreserved, and "%")
URL_SAFE = "/%:@!$&'()*+,;=?~-._"
# What is read of a receiver's answer: the status line, headers and this much body.
MAX_ANSWER_BYTES = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IANA special-purpose ranges that are not globally reachable, named here as well as trusted
# to ``ipaddress``: its tables differ between Python releases (3.11 counts 192.0.0.8 global).
NOT_GLOBAL = [
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
]


class OutboundRefused(ApplicationError):
    """A URL the hub will not call; ``extra["field"]`` is "url"."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed_networks():
    return [
        ipaddress.ip_network(network, strict=False)
        for network in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ())
    ]


def address_is_public(address: IPAddress) -> bool:
    """A globally routable unicast address, checked through any IPv4 address it embeds."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_is_public(embedded)
    if any(address in network for network in NOT_GLOBAL if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


def address_allowed(address: IPAddress) -> bool:
    return address_is_public(address) or any(
        address in network for network in _allowed_networks() if network.version == address.version
    )


def _refuse(message: str, code: CommonErrorCode = CommonErrorCode.WEBHOOK_URL_FORBIDDEN):
    raise OutboundRefused(message, code, extra={"field": "url"})


def url_split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an absolute http(s) URL, or refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        _refuse(_("This is not a valid URL."), CommonErrorCode.WEBHOOK_URL_INVALID)
    scheme = parts.scheme.lower()
    allow_http = getattr(settings, "WEBHOOK_ALLOW_HTTP", False)
    if scheme != "https" and not (scheme == "http" and allow_http):
        _refuse(_("Webhook URLs must use https."), CommonErrorCode.WEBHOOK_URL_INVALID)
    if parts.username is not None or parts.password is not None:
        _refuse(
            _("Put no user name or password in the URL: verify our signature instead."),
            CommonErrorCode.WEBHOOK_URL_INVALID,
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        _refuse(_("The URL has no host."), CommonErrorCode.WEBHOOK_URL_INVALID)
    # what http.client sends must be ASCII: anything else is percent-encoded once
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=URL_SAFE)
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _getaddrinfo(host: str, port: int):
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def host_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    override = getattr(settings, "OUTBOUND_RESOLVE_TO", "")
    if override:
        return [ipaddress.ip_address(override)]
    try:
        answers = _getaddrinfo(host, port)
    except (OSError, UnicodeError):
        _refuse(
            _("The host name %(host)s does not resolve.") % {"host": host},
            CommonErrorCode.WEBHOOK_URL_UNRESOLVED,
        )
    # the zone of a scoped IPv6 address ("fe80::1%eth0") is not part of the address
    return sorted(
        {ipaddress.ip_address(answer[4][0].split("%", 1)[0]) for answer in answers}, key=str
    )


def target_check(url: str) -> Target:
    """Resolve and check ``url``: every address it resolves to must be allowed (a name
    with one internal address among public ones is refused whole)."""
    scheme, host, port, path = url_split(url)
    addresses = host_addresses(host, port)
    if not addresses or not all(address_allowed(address) for address in addresses):
        _refuse(
            _(
                "%(host)s is, or resolves to, an address inside a private, loopback, "
                "link-local or reserved network. Webhooks go only to public addresses."
            )
            % {"host": host}
        )
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address, while TLS verifies the certificate of the host
    name and the Host header names it: no second DNS look-up."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=_tls_context())
        self._address = target.address

    def connect(self):
        self.raw_socket = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.raw_socket, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.raw_socket = self.sock = socket.create_connection(
            (self._address, self.port), self.timeout
        )


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class AnswerTooSlow(OSError):
    """The receiver kept the connection open past the whole-request deadline."""


def post_json(url: str, body: bytes, headers: dict, *, timeout: float) -> int:
    """POST ``body`` to ``url`` through the guard; returns the answer's status code.

    A redirect is returned as its status (never followed). ``timeout`` bounds each network
    step, and a watchdog cuts the connection when the whole request has taken twice it:
    connecting, the TLS handshake, the status line, headers and body, however slowly a
    receiver drips any of them.
    """
    return post_json_answer(url, body, headers, timeout=timeout)[0]


def post_json_answer(url: str, body: bytes, headers: dict, *, timeout: float) -> tuple[int, bytes]:
    """``post_json``, with the first MAX_ANSWER_BYTES of the answer's body (what a peer
    hub's refusal says)."""
    target = target_check(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    watchdog = _Watchdog(connection, 2 * timeout)
    answer = b""
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        while len(answer) < MAX_ANSWER_BYTES and (chunk := response.read1(8192)):
            answer += chunk
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired.is_set():
            raise AnswerTooSlow("the receiver answered too slowly") from exc
        raise
    finally:
        watchdog.cancel()
        connection.close()
    if watchdog.fired.is_set():  # cut off mid-answer: what was read is not the answer
        raise AnswerTooSlow("the receiver answered too slowly")
    return status, answer[:MAX_ANSWER_BYTES]


class _Watchdog:
    """Shuts the connection's socket down at the deadline, which ends any read or write
    blocked on it at once (a per-read timeout alone lets a receiver that sends a byte
    every few seconds hold a worker without end)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection = connection
        self.fired = threading.Event()
        self.timer = threading.Timer(seconds, self._cut)
        self.timer.daemon = True
        self.timer.start()

    def _cut(self) -> None:
        self.fired.set()
        # the socket itself: http.client lets go of it once an answer without a length
        # starts, while the answer goes on reading from it
        sock = getattr(self.connection, "raw_socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self.timer.cancel()
