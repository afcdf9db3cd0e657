"""What other layers do when someone leaves, inside the leave's own transaction.

The roster sits below the API, so it cannot revoke API tokens itself; the API registers that at
start-up (``ApiConfig.ready``). Unlike ``kernel.events`` (handed on after commit, for
notifications), these run synchronously inside ``member_leave``: if one fails, or the leave
fails after them, nothing of it happened — the person keeps neither more nor less access than
the roster says.
"""

from collections.abc import Callable
from datetime import datetime

from mlteam.roster.models import MLTeamMember

# fn(member=…, actor=…, at=…) -> None; writes its own audit events.
LeaveHook = Callable[..., None]
_leave_hooks: list[LeaveHook] = []


def on_member_leave(hook: LeaveHook) -> LeaveHook:
    """Register ``hook`` to run inside every ``member_leave`` (once, however often called)."""
    if hook not in _leave_hooks:
        _leave_hooks.append(hook)
    return hook


def run_leave_hooks(*, member: MLTeamMember, actor, at: datetime) -> None:
    for hook in list(_leave_hooks):
        hook(member=member, actor=actor, at=at)
