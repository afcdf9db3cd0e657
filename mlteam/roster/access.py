"""Signing in, for the people on the roster: a leaver's access ends in the same transaction as
the leave, a returning member's login works again, and an ML lead lifts a sign-in lockout.

Each writes its audit event in the caller's transaction. What lives above the roster (API
tokens) is revoked by the hooks the upper layers register (``roster.hooks``).
"""

from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict
from mlteam.kernel.sessions import end_sessions_of
from mlteam.roster.guards import Actor, require_roster_editor
from mlteam.roster.hooks import run_leave_hooks
from mlteam.roster.models import MLTeamMember


def member_access_end(*, member: MLTeamMember, actor: Actor, at: datetime) -> None:
    """Part of ``member_leave`` (inside its transaction): the leave hooks run (the API revokes
    the member's tokens, ``token.revoked`` each), their login is deactivated and their sessions
    are deleted. Side effects: AuditEvent ``access.ended``."""
    run_leave_hooks(member=member, actor=actor, at=at)
    user = User.objects.select_for_update().get(pk=member.user_id)
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = end_sessions_of(user.pk)
    audit_record(
        action=AuditAction.ACCESS_ENDED,
        summary=f"{member} can no longer sign in ({ended} session{'s' * (ended != 1)} ended)",
        actor=actor,
        at=at,
        member=member,
        details={"login_disabled": was_active, "sessions_ended": ended},
    )


def member_access_restore(*, member: MLTeamMember, actor: Actor, at: datetime) -> bool:
    """Part of ``member_join`` when someone returns: their login works again (the tokens they
    held stay revoked: they make new ones). Side effects: AuditEvent ``access.restored`` when
    the login was disabled. Returns whether it was."""
    user = User.objects.select_for_update().get(pk=member.user_id)
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    member.user = user
    audit_record(
        action=AuditAction.ACCESS_RESTORED,
        summary=f"{member} can sign in again",
        actor=actor,
        at=at,
        member=member,
        details={"login_enabled": True},
    )
    return True


def lockout_lift(*, username: str, actor: Actor, ip_address: str | None = None) -> int:
    """Clear the failed sign-ins of ``username`` (from ``ip_address`` only, if given), so they
    can sign in again before the lockout runs out. ML leads and superusers only.

    Side effects: deletes the matching django-axes attempts; AuditEvent ``access.unlocked``.
    Returns how many failed sign-ins were cleared."""
    require_roster_editor(actor, "lift a sign-in lockout")
    attempts = AccessAttempt.objects.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    with transaction.atomic():
        found = list(attempts.select_for_update().values_list("ip_address", "failures_since_start"))
        if not found:
            raise Conflict(
                "not_locked_out", f"There are no failed sign-ins of '{username}' to clear."
            )
        AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)
        failures = sum(count for _, count in found)
        addresses = sorted({address or "unknown" for address, _ in found})
        audit_record(
            action=AuditAction.ACCESS_UNLOCKED,
            summary=f"{actor} lifted the sign-in lockout of {username} "
            f"({failures} failed sign-in{'s' * (failures != 1)} cleared)",
            actor=actor,
            member=MLTeamMember.objects.filter(user__username=username).first(),
            details={"username": username, "addresses": addresses, "failures": failures},
        )
    return failures


def leavers_access_end(*, actor: Actor, at: datetime | None = None) -> list[MLTeamMember]:
    """End the access of everyone who left but can still sign in — people who left before
    leaving ended access (upgrades), or whose login an operator switched back on. Each leaver
    in their own transaction, exactly as ``member_leave`` would (tokens revoked by the leave
    hooks, login disabled, sessions ended, audited). Running it again finds nobody."""
    require_roster_editor(actor, "end the access of people who left")
    at = at or timezone.now()
    leavers = MLTeamMember.objects.filter(left_on__isnull=False, user__is_active=True)
    ended = []
    for member in leavers.select_related("user").order_by("pk"):
        with transaction.atomic():
            member_access_end(member=member, actor=actor, at=at)
        ended.append(member)
    return ended
