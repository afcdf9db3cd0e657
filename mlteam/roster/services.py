"""Roster changes. Each one closes the member's open RosterPeriod, opens the next and writes an
AuditEvent in the same transaction, so the research/production ratio is exact for any past date.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mlteam.core.errors import Conflict, InvalidInput
from mlteam.registry.audit import audit_record
from mlteam.registry.enums import AuditAction

from .enums import Orientation
from .models import MLTeamMember, Role, RosterPeriod, Team


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


def member_join(
    *,
    user: User,
    role: Role,
    orientation: str,
    team: Team,
    actor: User | None,
    embedded_in: Team | None = None,
    at: datetime | None = None,
) -> MLTeamMember:
    """Put ``user`` on the roster. Side effects: opens a RosterPeriod, AuditEvent ``roster.joined``."""
    orientation = _orientation(orientation)
    if embedded_in is not None and embedded_in.pk == team.pk:
        raise InvalidInput(
            "embedded_in_own_team",
            f"A member cannot be embedded in their own primary team ({team.name}); pick another team.",
        )
    if MLTeamMember.objects.filter(user=user).exists():
        raise Conflict("already_member", f"{user.get_username()} is already on the roster.")
    at = at or timezone.now()
    with transaction.atomic():
        member = MLTeamMember.objects.create(
            user=user,
            role=role,
            orientation=orientation,
            team=team,
            embedded_in=embedded_in,
            joined_on=timezone.localdate(at),
        )
        _open_period(member, at)
        audit_record(
            action=AuditAction.MEMBER_JOINED,
            summary=f"{member} joined {team.name} as {role.name} ({orientation.label.lower()})",
            actor=actor,
            at=at,
            member=member,
            team=team,
            to_state=orientation,
            details={"role": role.name, "embedded_in": embedded_in.slug if embedded_in else None},
        )
    return member
