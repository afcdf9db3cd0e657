"""Recording eval results on the shared benchmarks."""

import math
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mlteam.evals.latest import result_insert
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel import limits
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.roster.membership import team_work_refusal
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import is_ml_lead


def parse_score(raw) -> float:
    """A finite float from user input, or InvalidInput that says what is wrong."""
    if isinstance(raw, bool):
        raise InvalidInput("invalid_value", "An eval value must be a number, not true/false.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(
            "invalid_value", f"'{raw}' is not a number; send a value like 0.913."
        ) from None
    if not math.isfinite(value):
        raise InvalidInput(
            "invalid_value",
            f"{raw} is not a finite number; NaN and infinity cannot be recorded.",
        )
    return value


def score_value(raw, field: str = "value") -> float:
    """A finite number as a JSON client sent it. Text is refused even when it reads as a number
    ("0.97"): a pipeline that sends strings has a bug worth knowing about, and a page's form turns
    what was typed into a number first (``parse_score``). ``true`` is not a number either."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        if isinstance(raw, bool):
            what = "true/false is not a number"
        elif isinstance(raw, str):
            shown = raw if len(raw) <= 40 else f"{raw[:37]}…"
            what = f"'{shown}' is text, not a number"
        else:
            what = "a list or an object is not a number"
        raise InvalidInput(
            "invalid_value",
            f"{field}: {what}; send a number (a JSON number such as 0.913, without quotes).",
        )
    return parse_score(raw)


def benchmark_resolve(benchmark: Benchmark | str) -> Benchmark:
    """A Benchmark from itself or its slug; an unknown slug is an InvalidInput listing the known."""
    if isinstance(benchmark, Benchmark):
        return benchmark
    found = Benchmark.objects.filter(slug=str(benchmark or "").strip()).first()
    if found is None:
        known = ", ".join(Benchmark.objects.order_by("slug").values_list("slug", flat=True)[:50])
        raise InvalidInput(
            "unknown_benchmark",
            f"There is no benchmark '{benchmark}'; "
            f"record results on one of: {known or 'none yet'}.",
        )
    return found


def eval_record_refusal(*, artifact, actor: MLTeamMember | None) -> NotAllowed | None:
    """Why ``actor`` may not record results for ``artifact``, or None: the team-membership guard.

    ``eval_record`` raises it; the record page asks it to show the form or say why not.
    """
    return team_work_refusal(actor, artifact.model.team, f"record results for {artifact}")


def eval_record(
    *,
    artifact,
    benchmark: Benchmark | str,
    value,
    actor: MLTeamMember,
    run=None,
    note: str = "",
    at: datetime | None = None,
) -> EvalResult:
    """Record one result; earlier results stay as history and the latest counts.

    ``benchmark`` is a Benchmark or its slug; it must exist and the value must be a finite
    number (text is refused: ``score_value``). Side effects: AuditEvent ``eval.recorded``;
    LatestResult updated if this is now the latest.
    """
    value = score_value(value)
    benchmark = benchmark_resolve(benchmark)
    note = limits.require_max_length("note", (note or "").strip(), limits.LINE)
    refusal = eval_record_refusal(artifact=artifact, actor=actor)
    if refusal is not None:
        raise refusal
    at = at or timezone.now()
    with transaction.atomic():
        result = result_insert(
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


BENCHMARK_FIELDS = [
    "name",
    "description",
    "metric",
    "unit",
    "higher_is_better",
    "dataset_version",
    "owner_team",
]
RESERVED_SLUGS = {"new"}


def _require_ml_lead(actor: MLTeamMember | None) -> None:
    if not is_ml_lead(actor):
        raise NotAllowed("not_ml_lead", "Only ML leads manage the shared benchmarks.")


def _refuse_unknown(values: dict) -> None:
    unknown = sorted(set(values) - set(BENCHMARK_FIELDS))
    if unknown:
        fields = ", ".join(unknown)
        raise InvalidInput("invalid_benchmark", f"Unknown benchmark field(s): {fields}.")


BENCHMARK_TEXT_LIMITS = {
    "name": limits.NAME,
    "description": limits.DESCRIPTION,
    "metric": limits.METRIC,
    "unit": limits.UNIT,
    "dataset_version": limits.DATASET_VERSION,
}
BENCHMARK_SLUG_MAX = 80  # the column's length


def benchmark_slug_refusal(slug) -> InvalidInput | None:
    """The benchmark slug rule (the model name rule, for slugs): refused, never rewritten."""
    refusal = limits.slug_refusal(
        slug, what="a benchmark slug", code="invalid_slug", limit=BENCHMARK_SLUG_MAX
    )
    if refusal is None and slug in RESERVED_SLUGS:
        return InvalidInput(
            "invalid_slug", f"'{slug}' is reserved (it is a page's URL); pick another."
        )
    return refusal


def _check_benchmark(values: dict) -> None:
    limits.require_max_lengths(values, BENCHMARK_TEXT_LIMITS)
    for name in ["name", "metric"]:
        if name in values and not str(values[name] or "").strip():
            raise InvalidInput("invalid_benchmark", f"A benchmark needs a {name}.")
    if "owner_team" in values and values["owner_team"] is None:
        raise InvalidInput("invalid_benchmark", "A benchmark needs an owner team.")


def benchmark_create(*, actor: MLTeamMember, slug: str, **values) -> Benchmark:
    """Add a shared benchmark (ML leads only). ``values`` are Benchmark fields.

    Side effects: AuditEvent ``benchmark.changed``.
    """
    _require_ml_lead(actor)
    refusal = benchmark_slug_refusal(slug)
    if refusal is not None:
        raise refusal
    _refuse_unknown(values)
    _check_benchmark({"name": "", "metric": "", "owner_team": None} | values)
    if Benchmark.objects.filter(slug=slug).exists():
        raise Conflict("duplicate_benchmark", f"A benchmark with slug '{slug}' already exists.")
    with transaction.atomic():
        benchmark = Benchmark.objects.create(slug=slug, **values)
        _record_benchmark_change(benchmark, actor, "added", sorted(values))
    return benchmark


def benchmark_update(*, benchmark: Benchmark, actor: MLTeamMember, changes: dict) -> Benchmark:
    """Edit a benchmark (ML leads only). The slug stays: the API, CLI and pipelines use it.

    Side effects: AuditEvent ``benchmark.changed`` naming the fields that changed (a direction
    or unit change re-ranks leaderboards and regression verdicts, so it must be traceable);
    a "change" that changes nothing writes nothing.
    """
    _require_ml_lead(actor)
    _refuse_unknown(changes)
    _check_benchmark(changes)
    # Compared with the stored row: a ModelForm may already have copied its values onto
    # ``benchmark``.
    stored = Benchmark.objects.get(pk=benchmark.pk)
    changed = sorted(name for name, value in changes.items() if getattr(stored, name) != value)
    if not changed:
        return benchmark
    with transaction.atomic():
        for name in changed:
            setattr(benchmark, name, changes[name])
        benchmark.save(update_fields=changed)
        _record_benchmark_change(benchmark, actor, "changed", changed)
    return benchmark


def _record_benchmark_change(benchmark, actor: MLTeamMember, verb: str, fields) -> None:
    audit_record(
        action=AuditAction.BENCHMARK_CHANGED,
        summary=f"{actor} {verb} benchmark {benchmark.slug} ({', '.join(fields)})",
        actor=actor.user,
        team=benchmark.owner_team,
        details={"benchmark": benchmark.slug, "verb": verb, "fields": list(fields)},
    )
