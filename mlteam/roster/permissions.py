"""Who may do what, as plain predicates; services turn a False into a NotAllowed error."""

from django.contrib.auth.models import AnonymousUser, User

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
