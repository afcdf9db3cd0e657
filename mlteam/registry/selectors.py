"""Reads of the registry, ready-joined for pages, the API and the CLI."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .enums import AuditAction, Stage
from .models import AuditEvent, Model, ModelArtifact


def artifact_timeline(artifact: ModelArtifact) -> QuerySet[AuditEvent]:
    """Everything that happened to one version, oldest first."""
    return (
        AuditEvent.objects.filter(artifact=artifact)
        .select_related("actor", "promotion")
        .order_by("at", "id")
    )


def model_timeline(model: Model) -> QuerySet[AuditEvent]:
    """Everything that happened to a model and its versions, newest first."""
    return AuditEvent.objects.filter(model=model).select_related("actor", "artifact").order_by("-at", "-id")


def model_production_at(model: Model, at: datetime | None = None) -> ModelArtifact | None:
    """The version of ``model`` that was in production at ``at`` (now if omitted).

    Answered from the audit history, not from today's statuses: the last transition into or out
    of production at or before ``at`` decides.
    """
    at = at or timezone.now()
    last = (
        AuditEvent.objects.filter(model=model, action=AuditAction.ARTIFACT_TRANSITIONED, at__lte=at)
        .filter(Q(to_state=Stage.PRODUCTION) | Q(from_state=Stage.PRODUCTION))
        .select_related("artifact__model")
        .order_by("-at", "-id")
        .first()
    )
    if last is None or last.to_state != Stage.PRODUCTION:
        return None
    return last.artifact
