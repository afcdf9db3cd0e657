"""Writes to model cards: editing sections, importing a card (a version's card starts in
``start.py``).

Evaluation scores are never written here: a card shows the recorded eval results.
"""

import json
from datetime import datetime

from django.db import transaction

from mlteam.cards.enums import RiskRating
from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard
from mlteam.kernel import limits
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.roster.membership import team_work_refusal
from mlteam.roster.models import MLTeamMember

SECTION_FIELDS = [name for name, _ in REQUIRED_SECTIONS + OPTIONAL_SECTIONS]
CARRIED_OVER = [*SECTION_FIELDS, "risk_rating", "tags", "metadata"]
# Short fields are single-line CharFields (their column's length is the limit); every other
# section is long text, at most a card section's limit (kernel.limits).
ONE_LINE_LIMITS = {"license": limits.LICENSE, "contact": limits.LINE}
MAX_TAGS, MAX_TAG_LENGTH = 30, limits.TAG
MAX_METADATA_CHARS = 100_000


def card_edit_refusal(*, card: ModelCard, actor: MLTeamMember | None) -> NotAllowed | None:
    """Members of the owning team (directly or embedded) and ML leads edit a card: the
    team-membership guard. None if ``actor`` may, else the refusal the card services raise."""
    return team_work_refusal(actor, card.artifact.model.team, f"edit the card of {card.artifact}")


def card_require_editor(*, card: ModelCard, actor: MLTeamMember | None) -> None:
    refusal = card_edit_refusal(card=card, actor=actor)
    if refusal is not None:
        raise refusal


def card_clean_changes(changes: dict) -> dict:
    """Validate and normalise section values; raises InvalidInput naming the first problem."""
    unknown = sorted(set(changes) - set(CARRIED_OVER))
    if unknown:
        raise InvalidInput("unknown_section", f"Unknown card section(s): {', '.join(unknown)}.")
    clean = {}
    for name, value in changes.items():
        if name == "tags":
            clean[name] = _clean_tags(value)
        elif name == "risk_rating":
            clean[name] = _clean_risk(value)
        elif name == "metadata":
            clean[name] = _clean_metadata(value)
        else:
            clean[name] = _clean_text(name, value)
    return clean


def _storable(label: str, value: str) -> None:
    """Databases cannot store NUL characters or lone surrogates (PostgreSQL refuses them)."""
    if "\x00" in value:
        raise InvalidInput("invalid_section", f"The {label} must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "invalid_section", f"The {label} must be valid Unicode text (no lone surrogates)."
        ) from None


def _clean_text(name: str, value) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("invalid_section", f"The {name.replace('_', ' ')} must be text.")
    _storable(name.replace("_", " "), value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if name in ONE_LINE_LIMITS and "\n" in value:
        raise InvalidInput("invalid_section", f"The {name} must fit on one line.")
    limits.require_max_length(name, value, ONE_LINE_LIMITS.get(name, limits.CARD_SECTION))
    return value


def _clean_risk(value) -> str:
    if value is None:
        value = ""
    if isinstance(value, str):
        value = value.strip().lower()
    if value not in RiskRating.values:
        choices = ", ".join(v for v in RiskRating.values if v)
        raise InvalidInput(
            "invalid_risk_rating", f"'{value}' is not a risk rating; use one of: {choices}."
        )
    return value


def _clean_metadata(value) -> dict:
    """Front-matter keys as JSON: YAML dates and the like become text, so they can be stored."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidInput("invalid_metadata", "Card metadata must be a mapping of keys to values.")
    text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > MAX_METADATA_CHARS:
        raise InvalidInput(
            "invalid_metadata", f"Card metadata is at most {MAX_METADATA_CHARS:,} characters."
        )
    _storable("metadata", text)
    return json.loads(text)


def _clean_tags(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise InvalidInput("invalid_tags", "Tags must be a list of short words.")
    for tag in value:
        _storable("tags", tag)
    tags = []
    for tag in (t.strip() for t in value):
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise InvalidInput(
            "invalid_tags", f"At most {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters each."
        )
    return tags


def card_update(
    *, card: ModelCard, actor: MLTeamMember, changes: dict, at: datetime | None = None
) -> ModelCard:
    """Change card sections (only members of the owning team or ML leads).

    Values are validated first; nothing is written when one is wrong. Sections whose value does
    not change are ignored. Side effects: AuditEvent ``card.updated`` naming the changed sections.
    """
    card_require_editor(card=card, actor=actor)
    clean = card_clean_changes(changes)
    changed = {name: value for name, value in clean.items() if getattr(card, name) != value}
    if not changed:
        return card
    with transaction.atomic():
        for name, value in changed.items():
            setattr(card, name, value)
        card.updated_by = actor
        # Only the changed columns: someone saving another section meanwhile keeps their edit.
        card.save(update_fields=[*changed, "updated_by", "updated_at"])
        if at is not None:  # a change replayed at a past moment (the demo) is dated then
            type(card).objects.filter(pk=card.pk).update(updated_at=at)
            card.updated_at = at
        audit_record(
            action=AuditAction.CARD_UPDATED,
            summary=f"{actor} updated the card of {card.artifact} ({', '.join(sorted(changed))})",
            actor=actor.user,
            at=at,
            artifact=card.artifact,
            details={"sections": sorted(changed)},
        )
    return card
