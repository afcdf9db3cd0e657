"""Recording eval results on the shared benchmarks."""

import math
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mlteam.core.errors import InvalidInput, NotAllowed
from mlteam.registry.audit import audit_record
from mlteam.registry.enums import AuditAction
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import can_work_on_model_of

from .models import Benchmark, EvalResult


def parse_score(raw) -> float:
    """A finite float from user input, or InvalidInput that says what is wrong."""
    if isinstance(raw, bool):
        raise InvalidInput("invalid_value", "An eval value must be a number, not true/false.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_value", f"'{raw}' is not a number; send a value like 0.913.") from None
    if not math.isfinite(value):
        raise InvalidInput("invalid_value", f"{raw} is not a finite number; NaN and infinity cannot be recorded.")
    return value


def eval_record(
    *,
    artifact,
    benchmark: Benchmark,
    value,
    actor: MLTeamMember,
    run=None,
    note: str = "",
    at: datetime | None = None,
) -> EvalResult:
    """Record one result; earlier results stay as history and the latest counts.

    Side effects: AuditEvent ``eval.recorded``.
    """
    value = parse_score(value)
    if not can_work_on_model_of(actor, artifact.model.team):
        raise NotAllowed(
            "not_team_member",
            f"Only members of {artifact.model.team.name} (or an ML lead) can record results for {artifact}.",
        )
    at = at or timezone.now()
    with transaction.atomic():
        result = EvalResult.objects.create(
            artifact=artifact,
            benchmark=benchmark,
            value=value,
            recorded_by=actor,
            recorded_at=at,
            run=run,
            note=note,
        )
        audit_record(
            action=AuditAction.EVAL_RECORDED,
            summary=f"{actor} recorded {benchmark.slug} = {value:g} for {artifact}",
            actor=actor.user,
            at=at,
            artifact=artifact,
            details={"benchmark": benchmark.slug, "value": value, "run": run.pk if run else None},
        )
    return result
