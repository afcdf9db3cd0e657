"""Writing the append-only audit trail. Callers are services, inside their transaction."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from .enums import AuditAction
from .models import AuditEvent


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
