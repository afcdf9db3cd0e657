"""Ending someone's login sessions (a leaver's, in the same transaction as their leaving).

Sessions live in the database (``db``) or in the database with the cache in front
(``cached_db``, with ``REDIS_URL``): the rows whose decoded user is this person are deleted in
the caller's transaction, and their cache entries dropped at once and again on commit, so a
request racing the commit cannot put a stale copy back. Other engines (cookies, cache only)
cannot be listed; there the deactivated login is what refuses them (Django's session check
drops a session whose user is inactive).
"""

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


def _store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_keys_of(user_id: int) -> list[str]:
    """Keys of the unexpired stored sessions signed in as ``user_id`` (decodes each session:
    the session table has no user column)."""
    store_class = _store_class()
    if not hasattr(store_class, "get_model_class"):
        return []
    decoder = store_class()
    rows = (
        store_class.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    wanted = str(user_id)
    return [
        key
        for key, data in rows.iterator(chunk_size=2000)
        if str(decoder.decode(data).get(SESSION_KEY, "")) == wanted
    ]


def end_sessions_of(user_id: int) -> int:
    """Delete every session of ``user_id``; returns how many there were."""
    store_class = _store_class()
    keys = session_keys_of(user_id)
    if not keys:
        return 0
    store_class.get_model_class().objects.filter(session_key__in=keys).delete()
    prefix = getattr(store_class, "cache_key_prefix", None)
    if prefix is not None:
        cache_keys = [prefix + key for key in keys]

        def forget():
            try:
                caches[settings.SESSION_CACHE_ALIAS].delete_many(cache_keys)
            except Exception:  # the rows are gone: a cached copy alone no longer signs anyone in
                log.error("session cache could not forget ended sessions", exc_info=True)

        forget()
        transaction.on_commit(forget)
    return len(keys)
