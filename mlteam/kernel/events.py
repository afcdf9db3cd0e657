"""The event catalogue: which audit actions other systems and people hear about, and the hook
that hands each such event, once its transaction has committed, to whoever delivers it.

One source of truth: an event *is* an audit row. ``audit_record`` (called by every service
inside its transaction) calls ``publish``; nothing is handed on for a transaction that rolls
back. The delivering layer (``mlteam.notifications``, above the registry) subscribes at start-up
with ``subscribe``: the kernel cannot import it, and it must not import the services.
"""

from collections.abc import Callable
from contextlib import contextmanager
from threading import local

from django.db import transaction

from mlteam.kernel.enums import AuditAction

# The public event types (stable codes in webhook payloads and preferences) by audit action.
CATALOGUE: dict[str, str] = {
    AuditAction.PROMOTION_REQUESTED: "promotion.requested",
    AuditAction.PROMOTION_APPROVED: "promotion.approved",
    AuditAction.PROMOTION_REJECTED: "promotion.rejected",
    AuditAction.PROMOTION_WITHDRAWN: "promotion.withdrawn",
    AuditAction.ARTIFACT_REGISTERED: "version.registered",
    AuditAction.ARTIFACT_TRANSITIONED: "version.stage_changed",
    AuditAction.EVAL_RECORDED: "eval.recorded",
    AuditAction.CARD_UPDATED: "card.updated",
    AuditAction.CARD_IMPORTED: "card.updated",
}

EVENT_TYPES: list[str] = sorted(set(CATALOGUE.values()))

_subscribers: list[Callable[[int], None]] = []
_paused = local()


def event_type_of(action: str) -> str | None:
    return CATALOGUE.get(action)


def subscribe(callback: Callable[[int], None]) -> None:
    """``callback(audit_event_id)`` runs after the commit of every catalogued event."""
    if callback not in _subscribers:
        _subscribers.append(callback)


@contextmanager
def unpublished():
    """Record without telling anyone: for replaying history (the demo seed), never for a
    person's or pipeline's change."""
    _paused.depth = getattr(_paused, "depth", 0) + 1
    try:
        yield
    finally:
        _paused.depth -= 1


def publish(event) -> None:
    """Hand ``event`` on after its transaction commits (at once outside a transaction)."""
    if event_type_of(event.action) is None or getattr(_paused, "depth", 0):
        return
    event_id = event.pk
    for callback in list(_subscribers):
        transaction.on_commit(lambda callback=callback: callback(event_id), robust=True)
