"""The API's default permission: a token or a login session.

DRF checks permissions before throttles, so a caller without credentials would get 401 after
401 and never meet the anonymous rate. Here an anonymous caller is counted first: over the rate
it gets 429 (with ``Retry-After``) instead.
"""

from rest_framework import exceptions, permissions

from mlteam.api.throttles import anonymous_over_rate


class IsAuthenticated(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated:
            return True
        wait = anonymous_over_rate(request, view)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        return False
