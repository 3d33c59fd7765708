"""Facts about an HTTP request that depend on the deployment (proxies)."""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(values: list[str]) -> list[str]:
    """TRUSTED_PROXIES as read from the environment, checked when the settings load: each an
    address or a network with its host bits clear ("10.0.0.0/8", not "10.0.0.1/8")."""
    values = [value.strip() for value in values if value.strip()]
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
    return values


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value) for value in values)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # a dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d
    return getattr(address, "ipv4_mapped", None) or address


def client_ip(request) -> str:
    """The caller's address.

    The peer that connected (REMOTE_ADDR) is the caller unless it is one of TRUSTED_PROXIES.
    A trusted proxy appends the address it saw to X-Forwarded-For, so then the last entry is
    believed, and so on leftwards while that entry is a trusted proxy too. The first address
    that is not a trusted proxy is the client: entries to the left of it were written by the
    client and are ignored, and a client that connects directly is never believed about
    itself, whatever header it sends."""
    peer = request.META.get("REMOTE_ADDR", "")
    current = _address(peer)
    if current is None:
        return peer
    proxies = _networks(tuple(settings.TRUSTED_PROXIES))
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while hops and any(current in network for network in proxies):
        hop = _address(hops.pop())
        if hop is None:
            # a trusted proxy that did not append an address (or a malformed one): the proxy
            # itself is the caller as far as the hub can tell
            break
        current = hop
    return str(current)


def client_network(request) -> str:
    """The caller as counted by throttles and the sign-in lockout: its address, or for IPv6 the
    /64 it belongs to, which one subscriber usually holds whole; rotating addresses within it
    is no new caller."""
    address = client_ip(request)
    parsed = _address(address)
    if parsed is not None and parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def attachment(content, *, content_type: str, filename: str, inline: bool = False):
    """A file to download (or, ``inline``, to show in the browser) under ``filename``."""
    from django.http import HttpResponse

    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
