"""Reads of eval results: the seed's ``eval_scores`` are the latest result per benchmark.

Results are history: every measurement is kept and the latest one (by ``recorded_at``, then id)
counts. The leaderboard picks each artifact's latest result with a correlated subquery that
walks the ``(artifact, benchmark, -recorded_at, -id)`` index, so it stays a single bounded
query however many results there are.
"""

from django.db.models import F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Rank

from mlteam.evals.models import Benchmark, EvalResult


def latest_results_by_benchmark(artifact, benchmark_ids=None) -> dict[int, EvalResult]:
    """The latest result of ``artifact`` on each benchmark, keyed by benchmark id (one query)."""
    results = EvalResult.objects.filter(artifact=artifact).select_related("benchmark", "run")
    if benchmark_ids is not None:
        results = results.filter(benchmark_id__in=benchmark_ids)
    latest: dict[int, EvalResult] = {}
    for result in results.order_by("benchmark_id", "-recorded_at", "-id"):
        latest.setdefault(result.benchmark_id, result)
    return latest


def artifact_result_history(artifact) -> QuerySet[EvalResult]:
    """Every result recorded for one version, newest first."""
    return (
        EvalResult.objects.filter(artifact=artifact)
        .select_related("benchmark", "recorded_by__user", "run")
        .order_by("-recorded_at", "-id")
    )


def _latest_on(benchmark: Benchmark):
    return (
        EvalResult.objects.filter(artifact=OuterRef("artifact"), benchmark=benchmark)
        .order_by("-recorded_at", "-id")
        .values("pk")[:1]
    )


def leaderboard(benchmark: Benchmark, *, stage: str | None = None, team=None) -> QuerySet:
    """The latest result of every artifact on ``benchmark``, best first in its direction.

    Each row is an EvalResult with ``rank`` (ties share a rank) and its artifact, model, team,
    recorder and run prefetched. Filtering by ``stage`` (an artifact status) or ``team`` (the
    owning team, a Team or its id) ranks within the filtered set. The queryset is lazy: slice
    or paginate it; counting and one page are one query each.
    """
    results = EvalResult.objects.filter(benchmark=benchmark, pk=Subquery(_latest_on(benchmark)))
    if stage:
        results = results.filter(artifact__status=stage)
    if team is not None:
        results = results.filter(artifact__model__team=team)
    best_first = F("value").desc() if benchmark.higher_is_better else F("value").asc()
    # The ranking window sorts every latest result (100,000 at the scale target): keep those
    # rows narrow and load the related rows for the page shown only (prefetch, after slicing).
    return (
        results.prefetch_related(
            "artifact__model__team", "artifact__owner__user", "recorded_by__user", "run"
        )
        .annotate(rank=Window(Rank(), order_by=best_first))
        .order_by(best_first, "recorded_at", "id")
    )
