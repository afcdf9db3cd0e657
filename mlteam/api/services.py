"""Creating, checking and revoking API tokens. The plain token exists only in the return value
of ``token_create``; everything stored is a digest."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from mlteam.api import token_cache
from mlteam.api.models import ApiToken
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed

TOKEN_PREFIX = "mlt"
DEFAULT_DAYS = 90
MAX_DAYS = 3650
# last_used_at is a hint for people reviewing their tokens, not an audit trail: write it at most
# once a minute so busy pipelines do not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_create(
    *, user: User, name: str = "", days: int = DEFAULT_DAYS, at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the plain token (shown once, never stored)."""
    name = (name or "").strip() or "API token"
    if len(name) > 80:
        raise InvalidInput("invalid_name", "A token name has at most 80 characters.")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            "invalid_days", f"A token lives between 1 and {MAX_DAYS} days; '{days}' is not allowed."
        )
    if not user.is_active:
        raise NotAllowed(
            "inactive_user", f"{user.get_username()} is inactive and cannot get a token."
        )
    at = at or timezone.now()
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(raw),
        created_at=at,
        expires_at=at + timedelta(days=days),
    )
    return token, raw


def token_revoke(*, token: ApiToken, actor: User, at: datetime | None = None) -> ApiToken:
    """Revoke a token at once; only its owner (or a superuser) may."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotAllowed("not_token_owner", "You can only revoke your own tokens.")
    if token.revoked_at is not None:
        raise Conflict(
            "already_revoked",
            f"{token.name} was already revoked on {token.revoked_at:%Y-%m-%d %H:%M}.",
        )
    token.revoked_at = at or timezone.now()
    token.save(update_fields=["revoked_at"])
    token_cache.forget([token.digest])
    return token


def token_find(raw: str) -> ApiToken | None:
    """The token row matching a presented plain token, or None (any state: callers check it)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16:
        return None
    digest = token_digest(raw)
    cached = token_cache.get(digest)
    if cached is not None:
        return cached  # stored under its digest: it matched when it was cached
    token = (
        ApiToken.objects.select_related("user__member__role", "user__member__team")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    token_cache.put(digest, token)
    return token


def token_touch(token: ApiToken, at: datetime | None = None) -> None:
    at = at or timezone.now()
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
        token_cache.put(token.digest, token)
