"""Writing the append-only audit trail. Callers are services, inside their transaction."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent


def audit_record(
    *,
    action: AuditAction,
    summary: str,
    actor: User | None,
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
    if artifact is not None and model is None:
        model = artifact.model
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,
        action=action,
        summary=summary[:300],
        from_state=from_state,
        to_state=to_state,
        details=details or {},
        model=model,
        artifact=artifact,
        promotion=promotion,
        member=member,
        team=team,
    )


def audit_config_change(
    *, action: AuditAction, obj, verb: str, actor: User | None, changed=(), **targets
) -> AuditEvent:
    """Record an edit of configuration that decides who may do what (protocols and their
    criteria, roles, team relations): ``verb`` is added, changed or deleted."""
    label = obj._meta.verbose_name
    fields = f" ({', '.join(changed)})" if changed else ""
    return audit_record(
        action=action,
        summary=f"{actor or 'system'} {verb} {label} '{obj}'{fields}",
        actor=actor,
        details={"object": label, "id": obj.pk, "verb": verb, "fields": list(changed)},
        **targets,
    )
