"""The JSON an event is delivered as (webhooks) and described by (emails, the notifications
page): built from the audit row, the one source of truth. Payload version 1:

    {"type": "promotion.requested", "payload_version": 1, "id": "evt_42",
     "timestamp": "2026-12-01T20:00:00+00:00", "summary": "…",
     "actor": {"username": "…", "name": "…"} | null,
     "data": {"model": {…}, "version": {…}, "promotion": {…}, "from_stage": …, "to_stage": …,
              "eval": {…}, "card": {…}}}

Fields of ``data`` appear when the event has that subject. Additions keep the version;
removing or renaming a field bumps it.
"""

from django.conf import settings
from django.urls import reverse

from mlteam.kernel.events import event_type_of
from mlteam.kernel.models import AuditEvent

PAYLOAD_VERSION = 1


def absolute(path: str) -> str:
    return settings.MLTEAM_BASE_URL.rstrip("/") + path


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def _model(model) -> dict:
    return {
        "name": model.name,
        "team": model.team.slug,
        "task": model.task,
        "url": absolute(reverse("registry:model", args=[model.name])),
    }


def _version(artifact) -> dict:
    return {
        "number": artifact.version,
        "stage": artifact.status,
        "owner": artifact.owner.user.get_username() if artifact.owner_id else None,
        "artifact_uri": artifact.artifact_uri,
        "url": absolute(reverse("registry:version", args=[artifact.model.name, artifact.version])),
    }


def _promotion(request) -> dict:
    return {
        "id": request.pk,
        "state": request.state,
        "from_stage": request.from_stage,
        "to_stage": request.to_stage,
        "responsible_role": request.responsible_role.name,
        "requested_by": request.requested_by.user.get_username(),
        "url": absolute(reverse("registry:promotion", args=[request.pk])),
    }


def event_payload(event: AuditEvent) -> dict:
    event_type = event_type_of(event.action)
    data: dict = {}
    if event.model_id:
        data["model"] = _model(event.model)
    if event.artifact_id:
        data["version"] = _version(event.artifact)
    if event.promotion_id:
        data["promotion"] = _promotion(event.promotion)
    if event.from_state or event.to_state:
        data["from_stage"], data["to_stage"] = event.from_state or None, event.to_state or None
    if event_type == "eval.recorded":
        data["eval"] = {
            "benchmark": event.details.get("benchmark"),
            "value": event.details.get("value"),
        }
    if event_type == "card.updated" and event.artifact_id:
        card_url = reverse("cards:card", args=[event.artifact.model.name, event.artifact.version])
        data["card"] = {"sections": event.details.get("sections", []), "url": absolute(card_url)}
    return {
        "type": event_type,
        "payload_version": PAYLOAD_VERSION,
        "id": f"evt_{event.pk}",
        "timestamp": event.at.isoformat(),
        "summary": event.summary,
        "actor": _person(event.actor),
        "data": data,
    }


def events_for_delivery():
    """Audit rows with everything a payload reads joined in."""
    return AuditEvent.objects.select_related(
        "actor",
        "model__team",
        "artifact__model",
        "artifact__owner__user",
        "promotion__responsible_role",
        "promotion__requested_by__user",
    )
