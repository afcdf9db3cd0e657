"""The page a locked-out sign-in gets (django-axes calls ``locked_out``: AXES_LOCKOUT_CALLABLE).

It says what happened and when to try again: the lockout runs ``AXES_COOLOFF_TIME`` from the
last failure before it (failures while locked do not extend it), or until an ML lead lifts it in
the admin. 429 with ``Retry-After``, like the API's rate limit.
"""

import math
from datetime import datetime

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


def locked_out(request, original_response=None, credentials=None):
    username = get_client_username(request, credentials) or ""
    retry_at = _retry_at(request, username)
    wait = max(0, (retry_at - timezone.now()).total_seconds())
    context = {
        "username": username,
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(get_cool_off(request).total_seconds() // 60),
        "retry_at": retry_at,
        "wait_minutes": max(1, math.ceil(wait / 60)),
        "admin_login": request.path.startswith("/admin/"),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _retry_at(request, username: str) -> datetime:
    last = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + get_cool_off(request)
