"""Writes to model cards."""

from .models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard

CARRIED_OVER = [name for name, _ in REQUIRED_SECTIONS + OPTIONAL_SECTIONS] + ["risk_rating", "tags"]


def card_start_for_artifact(artifact) -> ModelCard:
    """Give a new version its card: a copy of the previous version's, or an empty one."""
    previous = (
        ModelCard.objects.filter(artifact__model_id=artifact.model_id, artifact__version__lt=artifact.version)
        .order_by("-artifact__version")
        .first()
    )
    values = {name: getattr(previous, name) for name in CARRIED_OVER} if previous else {}
    return ModelCard.objects.create(artifact=artifact, **values)


def card_update(*, card: ModelCard, actor, changes: dict, at=None) -> ModelCard:
    """Change card sections. Side effects: AuditEvent ``card.updated`` naming the sections."""
    from django.db import transaction

    from mlteam.registry.audit import audit_record
    from mlteam.registry.enums import AuditAction

    editable = set(CARRIED_OVER)
    unknown = sorted(set(changes) - editable)
    if unknown:
        from mlteam.core.errors import InvalidInput

        raise InvalidInput("unknown_section", f"Unknown card section(s): {', '.join(unknown)}.")
    with transaction.atomic():
        for name, value in changes.items():
            setattr(card, name, value)
        card.updated_by = actor
        card.save()
        audit_record(
            action=AuditAction.CARD_UPDATED,
            summary=f"{actor} updated the card of {card.artifact} ({', '.join(sorted(changes))})",
            actor=actor.user if actor else None,
            at=at,
            artifact=card.artifact,
            details={"sections": sorted(changes)},
        )
    return card
