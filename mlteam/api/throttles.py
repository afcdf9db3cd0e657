"""API rates, counted in the shared cache (Redis with ``REDIS_URL``, so every app server counts
together): per token — or per signed-in user on a session — and per address for anonymous
requests. Over the rate: 429 ``{"error": "throttled", …}`` with ``Retry-After`` (api/errors.py).

Rates come from ``settings.API_THROTTLE_RATES`` at each request (DRF reads its own setting once
at import), so a deployment sets them by environment and a test can lower them. On Redis each
process sends its counts a batch at a time (``kernel/counting.py``; ``API_THROTTLE_BATCH``
requests or ``API_THROTTLE_BATCH_SECONDS``), and every request once a caller nears its rate.
"""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from mlteam.api.models import ApiToken
from mlteam.kernel.clients import client_address
from mlteam.kernel.counting import BatchedWindowCounts

log = logging.getLogger(__name__)
BATCHED = BatchedWindowCounts(
    batch=settings.API_THROTTLE_BATCH, seconds=settings.API_THROTTLE_BATCH_SECONDS
)


class SharedCacheRateThrottle(SimpleRateThrottle):
    def __init__(self):
        # The rate is read per request, not per class (see the module docstring).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            return self._count(self.key) <= self.num_requests
        except Exception:  # the cache (Redis) does not answer: serve rather than fail every call
            log.warning("throttle cache unavailable; request not counted", exc_info=True)
            return True

    def _count(self, key: str) -> int:
        """This request's number in the current window. A fixed-window counter with the cache's
        atomic increment (Redis INCR), rather than DRF's list of timestamps read and written
        back: one round trip, and app servers counting at once never lose a request."""
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        counter = f"{key}:{window}"
        if hasattr(self.cache, "count_in_window"):  # Redis (kernel/cache.py), a batch at a time
            return BATCHED.count(self.cache, key, counter, self.duration + 1, self.num_requests)
        try:
            return self.cache.incr(counter)  # one round trip for all but a window's first request
        except ValueError:  # no counter yet: this request opens the window
            if self.cache.add(counter, 1, timeout=self.duration + 1):
                return 1
            return self.cache.incr(counter)  # another server opened it at the same moment

    def wait(self):
        return max(self.window_ends - self.now, 1.0)


class TokenRateThrottle(SharedCacheRateThrottle):
    """Each token has its own budget (a person may hold at most 20 active ones); a browser
    session counts per user."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # the anonymous rate applies
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        else:
            ident = f"u{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(SharedCacheRateThrottle):
    """Requests without credentials that reach a view open to them (the docs, unknown API
    paths), per client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        ident = client_address(request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def anonymous_over_rate(request, view) -> float | None:
    """Seconds to wait when an anonymous caller is over its rate, else None (and counted)."""
    throttle = AnonymousRateThrottle()
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 1.0
