"""Facts about an HTTP request that depend on the deployment (proxies)."""

from django.conf import settings


def client_ip(request) -> str:
    """The caller's address. Behind TRUSTED_PROXY_COUNT proxies that each append the address
    they saw to X-Forwarded-For, the client is that many entries from the right; anything to
    the left of it was written by the client and is not trusted."""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted > 0:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR", "")
