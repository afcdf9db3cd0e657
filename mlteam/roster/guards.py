"""Checks every roster service starts with: who acts, and when the change takes effect."""

from datetime import datetime, timedelta

from django.utils import timezone

from mlteam.kernel.actors import Operator, SystemActor
from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import may_edit_roster

Actor = MLTeamMember | Operator | SystemActor


def require_roster_editor(actor: Actor, doing: str) -> None:
    """Refuse anyone but an ML lead, a superuser operator or ``SYSTEM`` (the demo seed,
    migrations) with NotAllowed. Roster and configuration services start with it."""
    if actor is None:
        raise NotAllowed("no_actor", f"Nobody was named as acting; only ML leads may {doing}.")
    if may_edit_roster(actor):
        return
    raise NotAllowed(
        "not_ml_lead", f"Only ML leads may {doing}; ask an ML lead to make this change."
    )


def resolve_at(at: datetime | None) -> datetime:
    """Now by default. A change dated in the future would make today's roster wrong: refused."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput("naive_datetime", "Give the time of the change with a time zone.")
    if at > now + timedelta(minutes=1):
        raise InvalidInput("at_in_future", "Roster changes cannot be dated in the future.")
    return at
