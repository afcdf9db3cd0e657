"""The leaderboard selector: latest result per version, ranked in the benchmark's direction."""

from datetime import timedelta

from django.utils import timezone

from mlteam.evals.selectors import leaderboard
from mlteam.kernel.enums import Stage
from tests.factories import ModelFactory, TeamFactory

EARLIER = timezone.now() - timedelta(days=3)


def test_only_the_latest_result_of_each_version_counts(world):
    a, b = world.register(), world.register()
    world.record(a, world.accuracy, 0.99, at=EARLIER)  # superseded
    world.record(a, world.accuracy, 0.70)
    world.record(b, world.accuracy, 0.80)

    rows = list(leaderboard(world.accuracy))

    assert [(r.artifact.version, r.value, r.rank) for r in rows] == [(2, 0.80, 1), (1, 0.70, 2)]


def test_lower_is_better_ranks_ascending_and_ties_share_a_rank(world):
    versions = [world.register() for _ in range(4)]
    for artifact, value in zip(versions, [300, 120, 300, 90], strict=True):
        world.record(artifact, world.latency, value)

    rows = list(leaderboard(world.latency))

    assert [(r.value, r.rank) for r in rows] == [(90, 1), (120, 2), (300, 3), (300, 3)]
    assert [r.artifact.version for r in rows][2:] == [1, 3]  # ties: earlier recording first


def test_filters_by_stage_and_team(world):
    production = world.in_production(accuracy=0.85)
    world.record(world.register(), world.accuracy, 0.95)
    other_team = TeamFactory(slug="other")
    other = world.register(ModelFactory(team=other_team))
    world.record(other, world.accuracy, 0.99)

    assert [r.artifact for r in leaderboard(world.accuracy, stage=Stage.PRODUCTION)] == [production]
    by_team = leaderboard(world.accuracy, team=world.team)
    assert [r.artifact.model.team for r in by_team] == [world.team, world.team]
    assert [r.rank for r in by_team] == [1, 2]
    assert [r.artifact for r in leaderboard(world.accuracy, team=other_team.pk)] == [other]


def test_benchmarks_without_results_have_an_empty_board(world):
    assert list(leaderboard(world.accuracy)) == []


def test_a_fixed_number_of_queries_per_page_whatever_the_number_of_results(
    world, django_assert_num_queries
):
    for index in range(30):
        artifact = world.register()
        for offset in range(3):
            when = EARLIER + timedelta(hours=offset)
            world.record(artifact, world.accuracy, 0.5 + index / 100 + offset / 1000, at=when)
    board = leaderboard(world.accuracy, stage=Stage.EXPERIMENTAL, team=world.team)
    with django_assert_num_queries(1):
        assert board.count() == 30
    # The ranked page is one query with its version, model, team, result and recorder joined in,
    # whether the page holds 10 rows or 30.
    for size in (10, 30):
        with django_assert_num_queries(1):
            page = list(board[:size])
        assert [r.rank for r in page] == list(range(1, size + 1))
        with django_assert_num_queries(0):
            [(r.artifact.model.team.name, r.recorded_by.user.username, r.run_id) for r in page]
