"""LatestResult: the latest result per (version, benchmark), kept by eval_record and rebuilt by
bulk writers, always equals "the newest recorded_at, then the highest id" of all history."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from mlteam.evals.latest import latest_results_rebuild
from mlteam.evals.models import EvalResult, LatestResult
from mlteam.evals.selectors import leaderboard

NOW = timezone.now()


def latest_of_history() -> dict[tuple[int, int], int]:
    """The latest result id per pair, computed from every result the slow, obvious way."""
    latest: dict[tuple[int, int], EvalResult] = {}
    for result in EvalResult.objects.all():
        key = (result.artifact_id, result.benchmark_id)
        held = latest.get(key)
        if held is None or (result.recorded_at, result.pk) > (held.recorded_at, held.pk):
            latest[key] = result
    return {key: result.pk for key, result in latest.items()}


def stored_latest() -> dict[tuple[int, int], int]:
    rows = LatestResult.objects.values_list("artifact_id", "benchmark_id", "result_id", "value")
    for *_, result_id, value in rows:
        assert EvalResult.objects.get(pk=result_id).value == value  # the copy is the result's
    return {(a, b): r for a, b, r, _ in rows}


def record_randomly(world, rng: random.Random, count: int) -> None:
    """Results in random order, many backdated (some to the very same instant, some later)."""
    versions = [world.register() for _ in range(3)]
    benchmarks = [world.accuracy, world.latency]
    instants = [NOW - timedelta(hours=h) for h in range(4)]  # few: equal timestamps happen
    for _ in range(count):
        at = rng.choice([*instants, None])  # None: "now", newer than every instant
        world.record(
            rng.choice(versions), rng.choice(benchmarks), round(rng.uniform(0, 500), 1), at=at
        )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_eval_record_keeps_the_latest_of_all_history(world, seed):
    record_randomly(world, random.Random(seed), 25)

    assert stored_latest() == latest_of_history()


@pytest.mark.parametrize("seed", [5, 6])
def test_rebuild_from_history_gives_the_same_table(world, seed):
    record_randomly(world, random.Random(seed), 20)
    kept = stored_latest()

    LatestResult.objects.all().delete()
    latest_results_rebuild()
    assert stored_latest() == kept == latest_of_history()

    some = sorted({artifact for artifact, _ in kept})[:2]
    LatestResult.objects.filter(artifact_id__in=some).delete()
    latest_results_rebuild(some)
    assert stored_latest() == kept


def test_a_backdated_result_is_history_not_the_latest(world):
    artifact = world.register()
    current = world.record(artifact, world.accuracy, 0.8)
    world.record(artifact, world.accuracy, 0.99, at=NOW - timedelta(days=30))

    assert LatestResult.objects.get().result == current
    assert [r.value for r in leaderboard(world.accuracy)] == [0.8]


def test_same_instant_the_later_recording_wins(world):
    artifact = world.register()
    world.record(artifact, world.accuracy, 0.8, at=NOW)
    second = world.record(artifact, world.accuracy, 0.7, at=NOW)

    assert LatestResult.objects.get().result == second


@pytest.mark.parametrize("seed", [7, 8])
def test_leaderboard_ranks_match_a_ranking_of_history(world, seed):
    record_randomly(world, random.Random(seed), 30)
    for benchmark in (world.accuracy, world.latency):
        latest = [EvalResult.objects.get(pk=pk) for pk in latest_of_history().values()]
        mine = [r for r in latest if r.benchmark_id == benchmark.pk]
        sign = -1 if benchmark.higher_is_better else 1
        mine.sort(key=lambda r: (sign * r.value, r.recorded_at, r.pk))
        expected = [(r.pk, 1 + sum(sign * o.value < sign * r.value for o in mine)) for r in mine]

        board = [(row.result_id, row.rank) for row in leaderboard(benchmark)]

        assert board == expected
