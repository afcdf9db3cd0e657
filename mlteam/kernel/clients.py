"""Which address a request comes from, for the sign-in lockout and the anonymous API rate.

Behind ``TRUSTED_PROXY_COUNT`` proxies the client is that many entries from the right of
``X-Forwarded-For`` (each proxy appends the address it saw); the entries further left were
written by the client and prove nothing. Anything that is not an IP address is ignored (the
lockout stores addresses in an address column).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries none (a test's or a
    management command's stand-in request)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return _address(hops[-min(proxies, len(hops))]) or remote
