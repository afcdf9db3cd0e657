"""The hot reads' JSON, built from rows without a serializer.

DRF's serializers stay the API's schema (drf-spectacular documents them) and shape every other
answer. For the reads pipelines and product teams call most — a model, a version, a model's
versions, the production version, the models list — a serializer costs more CPU than the
database: it copies and binds its fields per request and walks them per row. These functions
give the same JSON from ``values()`` rows (the ``*_COLUMNS`` they list); a parity test
(tests/api/test_representations.py) holds each one to its serializer, field by field.
"""

from datetime import datetime

from django.utils import timezone

from mlteam.cards.models import CARD_COMPLETENESS_FIELDS, missing_sections_of
from mlteam.roster.models import person_name

MODEL_COLUMNS = (
    "id",
    "name",
    "description",
    "team__slug",
    "team__name",
    "task",
    "last_version",
    "production_version",
    "created_at",
    "updated_at",
)

VERSION_COLUMNS = (
    "id",
    "model__name",
    "version",
    "status",
    "owner__user__username",
    "owner__user__first_name",
    "owner__user__last_name",
    "artifact_uri",
    "description",
    "source_run",
    "created_at",
    "status_changed_at",
    *(f"card__{field}" for field in CARD_COMPLETENESS_FIELDS),
)

EVAL_RESULT_COLUMNS = (
    "id",
    "benchmark__slug",
    "value",
    "recorded_by__user__username",
    "recorded_at",
    "run",
    "note",
)

SCORE_COLUMNS = (
    "benchmark__slug",
    "benchmark__name",
    "result__value",
    "benchmark__unit",
    "benchmark__higher_is_better",
    "result__recorded_at",
)


def iso(value: datetime | None, zone=None) -> str | None:
    """A time as DRF's ``DateTimeField`` writes it: in the current time zone (or ``zone``, the
    current one looked up once for a whole page), ISO 8601, UTC as ``Z``."""
    if not value:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def model(row: dict, zone=None) -> dict:
    """``ModelSerializer``'s JSON from a row of ``MODEL_COLUMNS``."""
    zone = zone or timezone.get_current_timezone()
    return {
        "name": row["name"],
        "description": row["description"],
        "team": row["team__slug"],
        "team_name": row["team__name"],
        "task": row["task"],
        "latest_version": row["last_version"],
        "production_version": row["production_version"],
        "created_at": iso(row["created_at"], zone),
        "updated_at": iso(row["updated_at"], zone),
    }


def version(row: dict, zone=None) -> dict:
    """``VersionSerializer``'s JSON from a row of ``VERSION_COLUMNS``."""
    zone = zone or timezone.get_current_timezone()
    card = {field: row[f"card__{field}"] for field in CARD_COMPLETENESS_FIELDS}
    return {
        "model": row["model__name"],
        "version": row["version"],
        "status": row["status"],
        "owner": row["owner__user__username"],
        "owner_name": person_name(
            row["owner__user__first_name"],
            row["owner__user__last_name"],
            row["owner__user__username"],
        ),
        "artifact_uri": row["artifact_uri"],
        "description": row["description"],
        "source_run": row["source_run"],
        "created_at": iso(row["created_at"], zone),
        "status_changed_at": iso(row["status_changed_at"], zone),
        "card_missing_sections": missing_sections_of(card),
    }


def score(row: dict) -> dict:
    """``ScoreSerializer``'s JSON from a row of ``SCORE_COLUMNS`` (a LatestResult)."""
    return {
        "benchmark": row["benchmark__slug"],
        "benchmark_name": row["benchmark__name"],
        "value": float(row["result__value"]),
        "unit": row["benchmark__unit"],
        "higher_is_better": row["benchmark__higher_is_better"],
        "recorded_at": iso(row["result__recorded_at"]),
    }


def eval_result(row: dict, zone=None) -> dict:
    """``EvalResultSerializer``'s JSON from a row of ``EVAL_RESULT_COLUMNS``."""
    return {
        "id": row["id"],
        "benchmark": row["benchmark__slug"],
        "value": float(row["value"]),
        "recorded_by": row["recorded_by__user__username"],
        "recorded_at": iso(row["recorded_at"], zone),
        "run": row["run"],
        "note": row["note"],
    }


# The same answers for an object a write has just made (its related rows already loaded).


def version_of(artifact) -> dict:
    user = artifact.owner.user
    row = {
        "model__name": artifact.model.name,
        "owner__user__username": user.get_username(),
        "owner__user__first_name": user.first_name,
        "owner__user__last_name": user.last_name,
        "source_run": artifact.source_run_id,
        **{f"card__{field}": getattr(artifact.card, field) for field in CARD_COMPLETENESS_FIELDS},
    }
    for column in ("version", "status", "artifact_uri", "description", "created_at"):
        row[column] = getattr(artifact, column)
    row["status_changed_at"] = artifact.status_changed_at
    return version(row)


def eval_result_of(result) -> dict:
    recorder = result.recorded_by
    return eval_result(
        {
            "id": result.pk,
            "benchmark__slug": result.benchmark.slug,
            "value": result.value,
            "recorded_by__user__username": recorder.user.get_username() if recorder else None,
            "recorded_at": result.recorded_at,
            "run": result.run_id,
            "note": result.note,
        }
    )
