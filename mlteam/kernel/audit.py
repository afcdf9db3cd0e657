"""Writing the append-only audit trail. Callers are services, inside their transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.utils import timezone

from mlteam.kernel import events
from mlteam.kernel.actors import SYSTEM, actor_user
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.kernel.rows import row_insert
from mlteam.kernel.tasks import seal_after_commit

_CONTEXT: ContextVar[tuple] = ContextVar("audit_context", default=())


@contextmanager
def audit_context(**details: Any) -> Iterator[None]:
    """Add ``details`` to every audit event recorded inside the block, e.g. the id of the
    rebalancing plan whose application caused them, without each service knowing about plans."""
    token = _CONTEXT.set((*_CONTEXT.get(), *details.items()))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def audit_record(
    *,
    action: AuditAction,
    summary: str,
    actor,
    at: datetime | None = None,
    from_state: str = "",
    to_state: str = "",
    details: dict[str, Any] | None = None,
    model=None,
    artifact=None,
    promotion=None,
    member=None,
    team=None,
) -> AuditEvent:
    """``actor`` is a member, an operator, ``SYSTEM`` or (from the engine) the acting user."""
    if artifact is not None and model is None:
        model = artifact.model
    details = dict(details or {})
    if actor is SYSTEM:
        details.setdefault("actor", "system")
    # row_insert, not objects.create(): the same row and signals at a fraction of the CPU
    # (every write request records one event).
    event = AuditEvent(
        at=at or timezone.now(),
        actor=actor_user(actor),
        action=action,
        summary=summary[:300],
        from_state=from_state,
        to_state=to_state,
        details={**details, **dict(_CONTEXT.get())},
        model=model,
        artifact=artifact,
        promotion=promotion,
        member=member,
        team=team,
    )
    row_insert(event)
    events.publish(event)
    seal_after_commit()
    return event


def audit_config_change(
    *,
    action: AuditAction,
    obj,
    verb: str,
    actor,
    changed=(),
    at: datetime | None = None,
    of=None,
    extra: dict[str, Any] | None = None,
    **targets,
) -> AuditEvent:
    """Record an edit of configuration that decides who may do what (protocols and their
    criteria, roles, team relations, model consumers): ``verb`` is added, changed, deleted
    (for criteria, reordered); ``of`` names what ``obj`` belongs to (a criterion's protocol)."""
    label = str(obj._meta.verbose_name)  # Django's own models name themselves lazily
    fields = f" ({', '.join(changed)})" if changed else ""
    within = f" of '{of}'" if of is not None else ""
    return audit_record(
        action=action,
        summary=f"{actor} {verb} {label} '{obj}'{within}{fields}",
        actor=actor,
        at=at,
        details={
            "object": label,
            "id": obj.pk,
            "verb": verb,
            "fields": list(changed),
            **(extra or {}),
        },
        **targets,
    )
