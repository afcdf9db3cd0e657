"""Reads of eval results: the seed's ``eval_scores`` are the latest result per benchmark."""

from .models import EvalResult


def latest_results_by_benchmark(artifact, benchmark_ids=None) -> dict[int, EvalResult]:
    """The latest result of ``artifact`` on each benchmark, keyed by benchmark id (one query)."""
    results = EvalResult.objects.filter(artifact=artifact).select_related("benchmark")
    if benchmark_ids is not None:
        results = results.filter(benchmark_id__in=benchmark_ids)
    latest: dict[int, EvalResult] = {}
    for result in results.order_by("benchmark_id", "-recorded_at", "-id"):
        latest.setdefault(result.benchmark_id, result)
    return latest


def artifact_eval_scores(artifact) -> dict[str, float]:
    """As in the seed: ``{benchmark slug: latest value}``."""
    return {r.benchmark.slug: r.value for r in latest_results_by_benchmark(artifact).values()}

