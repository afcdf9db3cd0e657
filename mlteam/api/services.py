"""Creating, checking and revoking API tokens. The plain token exists only in the return value
of ``token_create``; everything stored is a digest. Creating and revoking write audit events in
the same transaction (prefix and name only)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mlteam.api import token_cache
from mlteam.api.models import ApiToken
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, DomainError, InvalidInput, NotAllowed
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import member_of

TOKEN_PREFIX = "mlt"
DEFAULT_DAYS = 90
MAX_DAYS = 3650
# Active (not revoked, not expired) tokens one person may hold: enough for every pipeline they
# run, few enough that a leaked login cannot mint an unbounded supply.
MAX_ACTIVE_TOKENS = 20
# last_used_at is a hint for people reviewing their tokens, not an audit trail: write it at most
# once a minute so busy pipelines do not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_refusal(user: User) -> DomainError | None:
    """Why ``user`` may not get a new token now, or None: an inactive login, someone who left
    the roster, or the most active tokens one person may hold."""
    if not user.is_active:
        return NotAllowed(
            "inactive_user", f"{user.get_username()} is inactive and cannot get a token."
        )
    member = member_of(user)
    if member is not None and not member.is_active:
        return NotAllowed(
            "member_left",
            f"{user.get_username()} left on {member.left_on:%Y-%m-%d}; people who left cannot "
            "get API tokens (an ML lead records their return first).",
        )
    active = active_tokens_of(user).count()
    if active >= MAX_ACTIVE_TOKENS:
        return Conflict(
            "too_many_tokens",
            f"{user.get_username()} already holds {active} active API tokens, the most one "
            "person may; revoke one you no longer use on the API tokens page first.",
        )
    return None


def active_tokens_of(user: User):
    return ApiToken.objects.filter(user=user, revoked_at=None, expires_at__gt=timezone.now())


def token_create(
    *,
    user: User,
    name: str = "",
    days: int = DEFAULT_DAYS,
    at: datetime | None = None,
    actor=None,
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the plain token (shown once, never stored).

    ``actor`` is who asked (``SYSTEM`` for ``manage.py create_token``); by default the user
    themselves. Side effects: AuditEvent ``token.created`` (prefix and name, never the secret).
    """
    name = (name or "").strip() or "API token"
    if len(name) > 80:
        raise InvalidInput("invalid_name", "A token name has at most 80 characters.")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            "invalid_days", f"A token lives between 1 and {MAX_DAYS} days; '{days}' is not allowed."
        )
    at = at or timezone.now()
    with transaction.atomic():
        # One creation at a time per person, so two requests cannot both take the 20th place.
        user = User.objects.select_for_update().get(pk=user.pk)
        refusal = token_refusal(user)
        if refusal is not None:
            raise refusal
        prefix = _unused_prefix()
        raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            digest=token_digest(raw),
            created_at=at,
            expires_at=at + timedelta(days=days),
        )
        audit_record(
            action=AuditAction.TOKEN_CREATED,
            summary=f"API token '{name}' ({token.display}) created for {user.get_username()}",
            actor=user if actor is None else actor,
            at=at,
            member=member_of(user),
            details={**_token_details(token), "expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def _unused_prefix() -> str:
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def _token_details(token: ApiToken) -> dict:
    """What the audit trail keeps of a token: never the secret or its digest."""
    return {"token": token.pk, "prefix": token.prefix, "name": token.name}


def token_revoke(*, token: ApiToken, actor: User, at: datetime | None = None) -> ApiToken:
    """Revoke a token at once; only its owner (or a superuser) may.

    Side effects: AuditEvent ``token.revoked``; the token's cache entry is dropped."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotAllowed("not_token_owner", "You can only revoke your own tokens.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(
                "already_revoked",
                f"{token.name} was already revoked on {token.revoked_at:%Y-%m-%d %H:%M}.",
            )
        _revoke(token, actor=actor, at=at or timezone.now(), reason="revoked")
    return token


def tokens_revoke_for_leaver(*, member: MLTeamMember, actor, at: datetime) -> int:
    """Revoke every active token of someone who leaves; runs inside ``member_leave``
    (registered as a roster leave hook). Side effects: AuditEvent ``token.revoked`` each."""
    tokens = list(
        ApiToken.objects.select_for_update()
        .select_related("user")
        .filter(user_id=member.user_id, revoked_at=None, expires_at__gt=timezone.now())
    )
    for token in tokens:
        _revoke(token, actor=actor, at=max(at, token.created_at), reason="left", member=member)
    return len(tokens)


def _revoke(token: ApiToken, *, actor, at: datetime, reason: str, member=None) -> None:
    token.revoked_at = at
    token.save(update_fields=["revoked_at"])
    token_cache.forget([token.digest])
    because = " (left the organisation)" if reason == "left" else ""
    audit_record(
        action=AuditAction.TOKEN_REVOKED,
        summary=f"API token '{token.name}' ({token.display}) of {token.user.get_username()} "
        f"revoked{because}",
        actor=actor,
        at=at,
        member=member if member is not None else member_of(token.user),
        details={**_token_details(token), "reason": reason},
    )


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
