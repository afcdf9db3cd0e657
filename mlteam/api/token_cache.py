"""Token lookups from the shared cache: one Redis read instead of a four-table join per request.

A cached entry is the token row with its user and roster entry, keyed by the token's digest, for
``settings.API_TOKEN_CACHE_SECONDS`` (0 turns caching off — the default without ``REDIS_URL``,
since another process's memory would keep a revoked token alive). Revoking a token deletes its
entry when the transaction commits; saving a user, their roster entry or a role deletes the
entries of the tokens concerned, so deactivation and role changes apply at once. A cache that does
not answer is skipped: the database is the truth.

In front of Redis, each process keeps the tokens it looked up for ``API_TOKEN_LOCAL_SECONDS``
(half a second with ``REDIS_URL``), so a busy pipeline's requests do not each wait for Redis.
What this process forgets (a revocation, a role change made here) it forgets at once; another
process or server stops accepting a revoked token within that half second.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)
MEMO_SIZE = 1_000  # tokens a process remembers; past that it starts afresh
_memo: dict[str, tuple[float, object]] = {}  # digest → (until, token), this process's
_memo_lock = threading.Lock()


def enabled() -> bool:
    return settings.API_TOKEN_CACHE_SECONDS > 0


def key(digest: str) -> str:
    return f"apitoken:{digest}"


def get(digest: str):
    if not enabled():
        return None
    remembered = _memo.get(digest)
    if remembered is not None and remembered[0] > time.monotonic():
        return remembered[1]
    try:
        token = cache.get(key(digest))
    except Exception:  # Redis down or slow: fall back to the database
        log.warning("token cache unavailable", exc_info=True)
        return None
    if token is not None:
        _remember(digest, token)
    return token


def _remember(digest: str, token) -> None:
    seconds = settings.API_TOKEN_LOCAL_SECONDS
    if seconds <= 0:
        return
    with _memo_lock:
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[digest] = (time.monotonic() + seconds, token)


def _forget_here(digests) -> None:
    with _memo_lock:
        for digest in digests:
            _memo.pop(digest, None)


def put(digest: str, token) -> None:
    if not enabled():
        return
    try:
        cache.set(key(digest), token, settings.API_TOKEN_CACHE_SECONDS)
    except Exception:
        log.warning("token cache unavailable", exc_info=True)
    _remember(digest, token)


def forget(digests) -> None:
    """Drop these tokens' entries once the current transaction commits (at once outside one).

    Deleted again right away as well, so a request racing the commit cannot keep a stale entry
    for longer than the transaction lasts.
    """
    digests = list(digests)
    keys = [key(d) for d in digests]
    if not keys or not enabled():
        return

    def delete():
        _forget_here(digests)
        try:
            cache.delete_many(keys)
        except Exception:
            log.error("token cache could not forget revoked tokens", exc_info=True)

    delete()
    transaction.on_commit(delete)


def forget_users(user_ids) -> None:
    from .models import ApiToken

    if not enabled():
        return
    forget(ApiToken.objects.filter(user_id__in=list(user_ids)).values_list("digest", flat=True))


def on_user_saved(sender, instance, **kwargs):
    forget_users([instance.pk])


def on_member_saved(sender, instance, **kwargs):
    forget_users([instance.user_id])


def on_role_saved(sender, instance, **kwargs):
    forget_users(instance.members.values_list("user_id", flat=True))


def on_team_saved(sender, instance, **kwargs):
    forget_users(instance.members.values_list("user_id", flat=True))


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    from mlteam.roster.models import MLTeamMember, Role, Team

    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="apitoken-user")
    post_save.connect(on_member_saved, sender=MLTeamMember, dispatch_uid="apitoken-member")
    post_save.connect(on_role_saved, sender=Role, dispatch_uid="apitoken-role")
    post_save.connect(on_team_saved, sender=Team, dispatch_uid="apitoken-team")
