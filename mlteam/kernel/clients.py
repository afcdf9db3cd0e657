"""Which address a request comes from, for the sign-in lockout and the anonymous API rate.

Behind ``TRUSTED_PROXY_COUNT`` proxies the client is that many entries from the right of
``X-Forwarded-For`` (each proxy appends the address it saw); the entries further left were
written by the client and prove nothing. DRF's throttles apply the same rule (``NUM_PROXIES``).
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]
