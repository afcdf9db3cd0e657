"""Roster changes. Each one closes the member's open RosterPeriod at ``at``, opens the next and
writes an AuditEvent in the same transaction, so the research/production ratio is exact for any
past date.

Every service takes the actor explicitly (``mlteam.kernel.actors``): the acting ML lead's
``MLTeamMember``, an ``Operator`` (a Django superuser without a roster entry: operators add the
first lead) or ``SYSTEM`` (the demo seed, migrations; never what an interface passes). Anyone
else is refused. ``at`` defaults to now; the demo passes past dates to replay a year of history.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.roster.access import member_access_end, member_access_restore
from mlteam.roster.configuration import (  # noqa: F401  (one import path for every roster service)
    model_consumer_add,
    model_consumer_remove,
    model_consumer_update,
    role_create,
    role_delete,
    role_update,
    team_interaction_add,
    team_interaction_remove,
    team_interaction_update,
)
from mlteam.roster.enums import Orientation
from mlteam.roster.guards import Actor, require_roster_editor, resolve_at
from mlteam.roster.membership import require_valid_embedding
from mlteam.roster.models import MLTeamMember, Role, RosterPeriod, Team
from mlteam.roster.team_services import (  # noqa: F401
    orientation_target_remove,
    orientation_target_set,
    team_create,
    team_update,
)

# Attribute -> (audit action, how the change reads in a summary)
_CHANGES = {
    "role": (AuditAction.MEMBER_ROLE_CHANGED, "role"),
    "orientation": (AuditAction.MEMBER_ORIENTATION_CHANGED, "orientation"),
    "team": (AuditAction.MEMBER_MOVED, "team"),
    "embedded_in": (AuditAction.MEMBER_EMBEDDED, "embedded in"),
}


def _orientation(value: str) -> Orientation:
    try:
        return Orientation(value)
    except ValueError:
        raise InvalidInput(
            "unknown_orientation", f"'{value}' is not an orientation; use research or production."
        ) from None


def _open_period(member: MLTeamMember, at: datetime) -> RosterPeriod:
    return RosterPeriod.objects.create(
        member=member,
        role_id=member.role_id,
        orientation=member.orientation,
        team_id=member.team_id,
        embedded_in_id=member.embedded_in_id,
        valid_from=at,
    )


def _current_period(member: MLTeamMember) -> RosterPeriod | None:
    return RosterPeriod.objects.select_for_update().filter(member=member, valid_to=None).first()


def _close_period(member: MLTeamMember, at: datetime) -> None:
    period = _current_period(member)
    if period is None:
        return
    if at < period.valid_from:
        raise InvalidInput(
            "at_before_current_period",
            f"{member} has a recorded change on {period.valid_from:%Y-%m-%d %H:%M}; "
            "a new change cannot be dated before it.",
        )
    period.valid_to = at
    period.save(update_fields=["valid_to"])


def member_join(
    *,
    user: User,
    role: Role,
    orientation: str,
    team: Team,
    actor: Actor,
    embedded_in: Team | None = None,
    at: datetime | None = None,
) -> MLTeamMember:
    """Put ``user`` on the roster (again, if they left earlier).

    Side effects: opens a RosterPeriod, AuditEvent ``roster.joined``; someone returning can
    sign in again (``access.restored``) — with new tokens, their old ones stay revoked.
    """
    require_roster_editor(actor, "add people to the roster")
    orientation = _orientation(orientation)
    require_valid_embedding(team, embedded_in)
    at = resolve_at(at)
    with transaction.atomic():
        member = MLTeamMember.objects.select_for_update(of=("self",)).filter(user=user).first()
        rejoined = member is not None
        if rejoined and member.is_active:
            raise Conflict("already_member", f"{user.get_username()} is already on the roster.")
        if rejoined:
            _check_not_before_last_period(member, at)
        else:
            member = MLTeamMember(user=user)
        member.role, member.orientation, member.team = role, orientation, team
        member.embedded_in, member.joined_on, member.left_on = (
            embedded_in,
            timezone.localdate(at),
            None,
        )
        member.save()
        _open_period(member, at)
        login_restored = rejoined and member_access_restore(member=member, actor=actor, at=at)
        audit_record(
            action=AuditAction.MEMBER_JOINED,
            summary=f"{member} joined {team.name} as {role.name} ({orientation.label.lower()})",
            actor=actor,
            at=at,
            member=member,
            team=team,
            to_state=orientation,
            details={
                "role": role.name,
                "embedded_in": embedded_in.slug if embedded_in else None,
                "rejoined": rejoined,
                "login_restored": login_restored,
            },
        )
    return member


def _check_not_before_last_period(member: MLTeamMember, at: datetime) -> None:
    last = RosterPeriod.objects.filter(member=member).order_by("-valid_from").first()
    if last is not None and at < (last.valid_to or last.valid_from):
        raise InvalidInput(
            "at_before_current_period",
            f"{member} left on {member.left_on}; a return cannot be dated before that.",
        )


def member_leave(*, member: MLTeamMember, actor: Actor, at: datetime | None = None):
    """Record that ``member`` left. Side effects: closes their RosterPeriod, clears them as lead
    of any team (AuditEvent ``roster.team_changed`` each), AuditEvent ``roster.left``; and in the
    same transaction ends their access (``roster.access.member_access_end``): their API tokens
    are revoked (``token.revoked`` each), their login is deactivated and their sessions deleted
    (``access.ended``)."""
    require_roster_editor(actor, "record that someone left")
    at = resolve_at(at)
    with transaction.atomic():
        member = MLTeamMember.objects.select_for_update().get(pk=member.pk)
        if not member.is_active:
            raise Conflict("already_left", f"{member} already left on {member.left_on}.")
        if timezone.localdate(at) < member.joined_on:
            raise InvalidInput(
                "left_before_joining", f"{member} joined on {member.joined_on}; pick a later date."
            )
        _close_period(member, at)
        member.left_on = timezone.localdate(at)
        member.save(update_fields=["left_on"])
        for team in Team.objects.filter(lead=member):
            team_update(team=team, actor=actor, changes={"lead": None}, at=at)
        audit_record(
            action=AuditAction.MEMBER_LEFT,
            summary=f"{member} left {member.team.name}",
            actor=actor,
            at=at,
            member=member,
            team=member.team,
            from_state=member.orientation,
            details={"role": member.role.name},
        )
        member_access_end(member=member, actor=actor, at=at)
    return member


def _label(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return Orientation(value).label.lower()
    return value.name


def member_changes_check(*, member: MLTeamMember, changes: dict) -> dict:
    """Validate ``changes`` (role, orientation, team, embedded_in) without writing anything.

    Returns only the attributes that really change. Moving a member into the team they are
    embedded in ends the embedding. Forms call this to show the error next to the field.
    """
    unknown = set(changes) - set(_CHANGES)
    if unknown:
        raise InvalidInput("unknown_change", f"Cannot change {', '.join(sorted(unknown))} here.")
    if not member.is_active:
        raise Conflict("member_left", f"{member} left on {member.left_on}; nothing to change.")
    changes = dict(changes)
    if "orientation" in changes:
        changes["orientation"] = _orientation(changes["orientation"])
    team = changes.get("team", member.team)
    embedded_in = changes.get("embedded_in", member.embedded_in)
    if "team" in changes and "embedded_in" not in changes and embedded_in == team:
        changes["embedded_in"] = embedded_in = None
    require_valid_embedding(team, embedded_in)
    real = {k: v for k, v in changes.items() if getattr(member, k) != v}
    if not real:
        raise InvalidInput("no_change", f"Nothing to change: {member} already has these values.")
    return real


def member_update(
    *, member: MLTeamMember, actor: Actor, changes: dict, at: datetime | None = None
) -> MLTeamMember:
    """Change any of role, orientation, team, embedded_in at once.

    Side effects: closes the open RosterPeriod at ``at`` and opens ONE new period, one AuditEvent
    per changed attribute. Refuses (changing nothing) unknown attributes, unknown orientations,
    embedding in the primary team, "changes" that change nothing and members who left.
    """
    require_roster_editor(actor, "change the roster")
    at = resolve_at(at)
    with transaction.atomic():
        member = (
            MLTeamMember.objects.select_for_update(of=("self",))
            .select_related("role", "team", "embedded_in", "user")
            .get(pk=member.pk)
        )
        real = member_changes_check(member=member, changes=changes)
        before = {k: getattr(member, k) for k in real}
        _close_period(member, at)
        for key, value in real.items():
            setattr(member, key, value)
        member.save(update_fields=list(real))
        _open_period(member, at)
        for key, value in real.items():
            _audit_change(member, key, before[key], value, actor, at)
    return member


def _audit_change(member, key, old, new, actor, at) -> None:
    action, noun = _CHANGES[key]
    state = {"orientation": (old or "", new or ""), "role": (_label(old), _label(new))}
    from_state, to_state = state.get(key, (getattr(old, "slug", ""), getattr(new, "slug", "")))
    audit_record(
        action=action,
        summary=f"{member}: {noun} {_label(old)} → {_label(new)}",
        actor=actor,
        at=at,
        member=member,
        team=new if key in ("team", "embedded_in") and new is not None else member.team,
        from_state=str(from_state or "")[:40],
        to_state=str(to_state or "")[:40],
    )
