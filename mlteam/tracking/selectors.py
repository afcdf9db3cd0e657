"""Reads of experiments and runs, ready-joined and bounded in queries."""

from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, QuerySet, Subquery

from mlteam.evals.models import EvalResult
from mlteam.tracking.models import Experiment, Run, RunMetric


def experiment_list() -> QuerySet[Experiment]:
    """Experiments with their team, owner, number of runs and latest run start (one query)."""
    return (
        Experiment.objects.select_related("team", "owner__user")
        .annotate(run_count=Count("runs"), last_run_at=Max("runs__started_at"))
        .order_by("-created_at", "-id")
    )


def experiment_detail(pk: int) -> Experiment:
    return Experiment.objects.select_related("team", "owner__user").get(pk=pk)


def experiment_metric_keys(experiment: Experiment) -> list[str]:
    """The metric keys logged by any run of the experiment."""
    keys = RunMetric.objects.filter(run__experiment=experiment).values_list("key", flat=True)
    return sorted(set(keys.distinct().order_by()))


def _artifacts():
    # The versions a run produced: the registry (a layer above) declares that relation
    # (ModelArtifact.source_run); reach its rows through it instead of importing the registry.
    artifacts = Run._meta.get_field("artifacts").related_model.objects
    return Prefetch(
        "artifacts",
        queryset=artifacts.select_related("model").order_by("model__name", "version"),
    )


def experiment_runs(
    experiment: Experiment, metric: str | None = None, *, order: str = "asc"
) -> QuerySet[Run]:
    """Runs of the experiment with who started them, the artifacts they produced and, when
    ``metric`` is given, its last logged value (``final``), ``lowest`` and ``highest``, ordered
    by ``final`` (``order`` "asc" or "desc"; runs without the metric last). Else newest first."""
    runs = (
        Run.objects.filter(experiment=experiment)
        .select_related("started_by__user")
        .prefetch_related(_artifacts())
    )
    if not metric:
        return runs.order_by("-started_at", "-id")
    values = RunMetric.objects.filter(run=OuterRef("pk"), key=metric)
    final = F("final").desc(nulls_last=True) if order == "desc" else F("final").asc(nulls_last=True)
    return runs.annotate(
        final=Subquery(values.order_by("-step").values("value")[:1]),
        lowest=Subquery(values.order_by().values("run").annotate(v=Min("value")).values("v")[:1]),
        highest=Subquery(values.order_by().values("run").annotate(v=Max("value")).values("v")[:1]),
    ).order_by(final, "-started_at", "-id")


def metric_points(runs: list[Run], key: str) -> dict[int, list[tuple[int, float]]]:
    """``{run id: [(step, value), …]}`` of one metric for the given runs (one query)."""
    points: dict[int, list[tuple[int, float]]] = {run.pk: [] for run in runs}
    rows = RunMetric.objects.filter(run__in=runs, key=key).order_by("run_id", "step")
    for run_id, step, value in rows.values_list("run_id", "step", "value"):
        points[run_id].append((step, value))
    return points


def run_detail(pk: int) -> Run:
    """A run with its experiment, starter, produced artifacts and the eval results it backs."""
    return (
        Run.objects.select_related(
            "experiment__team", "experiment__owner__user", "started_by__user"
        )
        .prefetch_related(
            _artifacts(),
            Prefetch("eval_results", queryset=_eval_results()),
        )
        .get(pk=pk)
    )


def _eval_results():
    results = EvalResult.objects.select_related("benchmark", "artifact__model")
    return results.order_by("-recorded_at", "-id")


def run_metrics_by_key(run: Run) -> dict[str, list[tuple[int, float]]]:
    """Every logged metric of a run, ``{key: [(step, value), …]}`` in step order (one query)."""
    by_key: dict[str, list[tuple[int, float]]] = {}
    rows = RunMetric.objects.filter(run=run).order_by("key", "step")
    for key, step, value in rows.values_list("key", "step", "value"):
        by_key.setdefault(key, []).append((step, value))
    return by_key
