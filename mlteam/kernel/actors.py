"""Who acts. Every service takes its actor explicitly and keyword-only (``actor=``):

- an ``MLTeamMember`` (mlteam.roster) — the usual case: a person on the roster;
- ``Operator(user)`` — a Django superuser without a roster entry, acting through the admin; only
  roster and configuration edits accept it (operators add the roles and the first ML lead);
- ``SYSTEM`` — the seed, migrations and management commands acting on their own.

There is no ``None`` actor: a service refuses one instead of skipping its checks. The audit
trail writes a member or an operator as their user, and ``SYSTEM`` as actor NULL marked
``"actor": "system"`` in the event's details.
"""

from dataclasses import dataclass
from typing import Final

from django.contrib.auth.models import User


class SystemActor:
    """The one ``SYSTEM`` actor (a sentinel: compare with ``is``)."""

    _instance = None
    user = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self):
        return (SystemActor, ())


SYSTEM: Final = SystemActor()


@dataclass(frozen=True)
class Operator:
    """A superuser acting without a roster entry. Services still check ``user.is_superuser``."""

    user: User

    def __str__(self) -> str:
        return self.user.get_username()

    @property
    def is_active(self) -> bool:
        return self.user.is_active and self.user.is_superuser


def actor_user(actor) -> User | None:
    """The user an audit event names: a member's or operator's user; nobody for ``SYSTEM``."""
    if actor is None or actor is SYSTEM:
        return None
    if isinstance(actor, User):
        return actor
    return actor.user
