"""Who may do what, as plain predicates; services turn a False into a NotAllowed error."""

from django.contrib.auth.models import AnonymousUser, User

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.kernel.errors import NotAllowed
from mlteam.roster.models import MLTeamMember, Team

ML_LEADS_GROUP = "ML leads"


def member_of(user: User | AnonymousUser | None) -> MLTeamMember | None:
    """The roster entry of a signed-in user, or None (e.g. an operator without a roster entry)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.member
    except MLTeamMember.DoesNotExist:
        return None


def is_ml_lead(member: MLTeamMember | None) -> bool:
    if member is None or not member.is_active:
        return False
    if member.role.is_ml_lead or member.user.is_superuser:
        return True
    return member.user.groups.filter(name=ML_LEADS_GROUP).exists()


def works_in(member: MLTeamMember | None, team: Team) -> bool:
    """Member of the team, directly or embedded in it."""
    if member is None or not member.is_active:
        return False
    return team.pk in (member.team_id, member.embedded_in_id)


def can_work_on_model_of(member: MLTeamMember | None, team: Team) -> bool:
    """Registering versions, recording evals, editing cards, requesting promotions."""
    return works_in(member, team) or is_ml_lead(member)


def holds_role(member: MLTeamMember | None, role_id: int) -> bool:
    return member is not None and member.is_active and member.role_id == role_id


def can_edit_roster(user: User | AnonymousUser | None) -> bool:
    """ML leads edit the roster and targets; superusers too (operators add the first lead)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or is_ml_lead(member_of(user))


def may_edit_roster(actor) -> bool:
    """The acting side of ``can_edit_roster``: an ML lead, a superuser operator, or SYSTEM."""
    if actor is SYSTEM:
        return True
    if isinstance(actor, Operator):
        return actor.is_active
    return isinstance(actor, MLTeamMember) and is_ml_lead(actor)


def actor_for(user: User | AnonymousUser | None) -> MLTeamMember | Operator:
    """The actor an interface passes to roster and configuration services: the user's roster
    entry, or for a superuser without one an ``Operator``; anyone else is refused."""
    member = member_of(user)
    if member is not None:
        return member
    if user is not None and user.is_authenticated and user.is_superuser:
        return Operator(user)
    raise NotAllowed(
        "no_roster_entry",
        "You have no roster entry, so you cannot make this change; "
        "ask an ML lead to add you to a team.",
    )
