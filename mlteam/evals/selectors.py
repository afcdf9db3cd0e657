"""Reads of eval results: the seed's ``eval_scores`` are the latest result per benchmark.

Results are history: every measurement is kept and the latest one (by ``recorded_at``, then id)
counts. ``LatestResult`` holds that latest one per (version, benchmark), kept current by
``eval_record``, so the leaderboard and the version pages read one narrow row per version
instead of ranking all history.
"""

from functools import cache

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Rank

from mlteam.evals.models import Benchmark, EvalResult, LatestResult
from mlteam.kernel.rows import instances_from_row, select_list


def benchmark_by_slug(slug: str) -> Benchmark | None:
    """The benchmark ``slug`` names, or None: one plain statement, for the eval write (building
    and compiling ``Benchmark.objects.get`` cost several times what the lookup does)."""
    with connection.cursor() as cursor:
        cursor.execute(_benchmark_statement(connection.vendor), [slug])
        row = cursor.fetchone()
    return None if row is None else instances_from_row(row, Benchmark)[0]


@cache
def _benchmark_statement(vendor: str) -> str:
    table = connection.ops.quote_name(Benchmark._meta.db_table)
    return f"SELECT {select_list(Benchmark, 'b')} FROM {table} b WHERE b.slug = %s"


def latest_results_by_benchmark(artifact, benchmark_ids=None) -> dict[int, EvalResult]:
    """The latest result of ``artifact`` on each benchmark, keyed by benchmark id (one query)."""
    latest = LatestResult.objects.filter(artifact=artifact).select_related(
        "result__benchmark", "result__run"
    )
    if benchmark_ids is not None:
        latest = latest.filter(benchmark_id__in=benchmark_ids)
    return {row.benchmark_id: row.result for row in latest}


def artifact_result_history(artifact) -> QuerySet[EvalResult]:
    """Every result recorded for one version, newest first."""
    return (
        EvalResult.objects.filter(artifact=artifact)
        .select_related("benchmark", "recorded_by__user", "run")
        .order_by("-recorded_at", "-id")
    )


def _board(benchmark: Benchmark, stage: str | None, team) -> QuerySet[LatestResult]:
    board = LatestResult.objects.filter(benchmark=benchmark)
    if stage:
        board = board.filter(artifact__status=stage)
    if team is not None:
        board = board.filter(artifact__model__team=team)
    return board


def leaderboard(benchmark: Benchmark, *, stage: str | None = None, team=None) -> QuerySet:
    """The latest result of every version on ``benchmark``, best first in its direction.

    Each row is a LatestResult (``value``, ``recorded_at``, ``artifact``; ``recorded_by`` and
    ``run_id`` read through to its EvalResult) with ``rank`` (ties share a rank). Filtering by ``stage`` (an artifact status) or
    ``team`` (the owning team, a Team or its id) ranks within the filtered set. The queryset is
    lazy: slice or paginate it; counting and one page are one query each.
    """
    best_first = F("value").desc() if benchmark.higher_is_better else F("value").asc()
    # The rank window reads the board in (benchmark, value) index order, so PostgreSQL ranks as it
    # streams and stops at the end of the page: no sort of the whole board (100,000 rows at the
    # scale target), and only the rows shown are joined to their version, team and recorder.
    return (
        _board(benchmark, stage, team)
        .select_related("artifact__model__team", "result__recorded_by__user")
        .annotate(rank=Window(Rank(), order_by=best_first))
        .order_by(best_first, "recorded_at", "result_id")
    )
