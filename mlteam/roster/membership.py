"""The team-membership guards, each written once for every app above the roster.

``team_work_refusal`` is the one rule for work on what a team owns — registering its models and
versions, requesting their promotions, recording their eval results, editing their cards,
running its experiments: members of the team (directly or embedded in it) and ML leads may.
Services raise its refusal (``require_team_work``); pages ask it to show or hide a form and
render its message to say why not.

``embedding_refusal`` is the one rule for embedding a member in another team; the roster
services raise it and the admin's member form shows it next to the field.
"""

from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.roster.models import MLTeamMember, Team
from mlteam.roster.permissions import can_work_on_model_of


def team_work_refusal(member: MLTeamMember | None, team: Team, doing: str) -> NotAllowed | None:
    """None if ``member`` may ``doing`` (e.g. "record results for v3") for ``team``, else why not.

    Codes: ``no_roster_entry`` (no member at all), ``not_team_member`` (anyone else refused).
    """
    if can_work_on_model_of(member, team):
        return None
    only = f"Only members of {team.name} (or an ML lead) can {doing}"
    if member is None:
        return NotAllowed("no_roster_entry", f"{only}; you have no roster entry.")
    if not member.is_active:
        return NotAllowed("not_team_member", f"{only}; you are no longer an active member.")
    return NotAllowed("not_team_member", f"{only}; you are on {member.team.name}.")


def require_team_work(member: MLTeamMember | None, team: Team, doing: str) -> None:
    """Raise the refusal of ``team_work_refusal``, if any."""
    refusal = team_work_refusal(member, team, doing)
    if refusal is not None:
        raise refusal


def embedding_refusal(team: Team | None, embedded_in: Team | None) -> InvalidInput | None:
    """A member may be embedded in any team but their own primary team."""
    if team is None or embedded_in is None or embedded_in.pk != team.pk:
        return None
    return InvalidInput(
        "embedded_in_own_team",
        f"A member cannot be embedded in their own primary team ({team.name}); pick another team.",
    )


def require_valid_embedding(team: Team | None, embedded_in: Team | None) -> None:
    """Raise the refusal of ``embedding_refusal``, if any."""
    refusal = embedding_refusal(team, embedded_in)
    if refusal is not None:
        raise refusal
