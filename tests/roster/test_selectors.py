"""The ratio selectors with exact numbers, computed from the recorded history."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.kernel.actors import SYSTEM
from mlteam.registry import selectors as registry_selectors
from mlteam.roster import charts, selectors, services
from mlteam.roster.enums import Orientation
from mlteam.roster.models import MLTeamMember
from tests.factories import ProtocolFactory, RoleFactory, TeamFactory

from .conftest import day

pytestmark = pytest.mark.django_db
R, P = Orientation.RESEARCH, Orientation.PRODUCTION


def row_of(rows, team):
    return next(row for row in rows if row.team == team)


def staff(join, team, research: int, production: int, at=None):
    return [join(team, R, at=at) for _ in range(research)] + [
        join(team, P, at=at) for _ in range(production)
    ]


def test_three_research_and_five_production_is_0_375(team, join):
    staff(join, team, 3, 5, at=day(0))

    row = row_of(selectors.ratio_by_team(at=day(10)), team)

    assert (row.research, row.production, row.total) == (3, 5, 8)
    assert row.research_share == 0.375


def test_a_change_at_d_counts_from_d_on_and_not_before(team, join):
    people = staff(join, team, 3, 5, at=day(0))
    services.member_update(member=people[-1], actor=SYSTEM, changes={"orientation": R}, at=day(20))

    def share(at):
        return row_of(selectors.ratio_by_team(at=at), team).research_share

    assert share(day(20) - timedelta(seconds=1)) == 0.375
    assert share(day(20)) == 0.5
    assert share(day(30)) == 0.5
    assert share(None) == 0.5  # now


def test_before_anyone_joined_a_team_has_no_share(team, join):
    staff(join, team, 1, 1, at=day(5))
    row = row_of(selectors.ratio_by_team(at=day(1)), team)
    assert (row.total, row.research_share, row.outside_target, row.status) == (
        0,
        None,
        False,
        "nobody",
    )


def test_leavers_count_until_they_leave(team, join):
    people = staff(join, team, 2, 2, at=day(0))
    services.member_leave(member=people[0], actor=SYSTEM, at=day(10))
    assert row_of(selectors.ratio_by_team(at=day(9)), team).research == 2
    assert row_of(selectors.ratio_by_team(at=day(10)), team).research == 1
    assert selectors.ratio_overall(at=day(11)).total == 3


def test_embedded_members_count_in_both_teams_and_once_overall(team, other_team, join):
    staff(join, team, 1, 1, at=day(0))
    staff(join, other_team, 0, 2, at=day(0))
    join(team, R, embedded_in=other_team, at=day(0))

    rows = selectors.ratio_by_team(at=day(1))
    host = row_of(rows, other_team)
    home = row_of(rows, team)

    assert (home.research, home.production, home.embedded) == (2, 1, 0)
    assert (host.research, host.production, host.embedded_research, host.embedded) == (1, 2, 1, 1)
    assert host.research_share == pytest.approx(1 / 3)
    overall = selectors.ratio_overall(at=day(1))
    assert (overall.research, overall.production, overall.total) == (2, 3, 5)
    assert overall.team is None and overall.target_share is None


@pytest.mark.parametrize(
    ("research", "production", "status", "outside"),
    [
        (2, 3, "within", False),
        (1, 1, "within", False),
        (3, 2, "above", True),
        (0, 5, "below", True),
        (3, 7, "within", False),
    ],
)
def test_target_band_edges_count_as_inside(team, join, research, production, status, outside):
    services.orientation_target_set(team=team, target_share=0.4, tolerance=0.1, actor=SYSTEM)
    staff(join, team, research, production, at=day(0))
    row = row_of(selectors.ratio_by_team(), team)
    assert (row.target_low, row.target_high, row.target_share) == (
        pytest.approx(0.3),
        pytest.approx(0.5),
        0.4,
    )
    assert (row.status, row.outside_target) == (status, outside)


def test_ratio_by_team_can_be_limited_to_some_teams(team, other_team, join):
    staff(join, team, 1, 0)
    staff(join, other_team, 0, 1)
    rows = selectors.ratio_by_team(teams=[other_team])
    assert [r.team for r in rows] == [other_team]


def test_ratio_of_members_counts_exactly_the_given_members(team, other_team, join):
    staff(join, team, 2, 2)
    staff(join, other_team, 1, 0)
    listed = MLTeamMember.objects.filter(orientation=R)

    rows = selectors.ratio_of_members(listed)

    assert {(r.team.slug, r.research, r.production) for r in rows} == {
        ("applied-ml", 2, 0),
        ("trust-safety", 1, 0),
    }
    overall = selectors.ratio_of_members_overall(listed)
    assert (overall.research, overall.production) == (3, 0)


def test_ratio_queries_do_not_grow_with_teams(join, django_assert_num_queries):
    for _i in range(2):
        staff(join, TeamFactory(), 1, 1)
    with CaptureQueriesContext(connection) as few:
        selectors.ratio_by_team()
    for _i in range(10):
        staff(join, TeamFactory(), 2, 1)
    with django_assert_num_queries(len(few)):
        assert len(selectors.ratio_by_team()) == 12


class TestHistory:
    def test_points_cover_the_last_twelve_months_weekly(self):
        points = selectors.history_points(day(400))
        assert points[-1] == day(400)
        assert points[0] == day(400) - timedelta(days=365)
        assert all(b - a <= timedelta(days=7) for a, b in itertools.pairwise(points))

    def test_history_reflects_each_change_at_its_date(self, team, other_team, join):
        services.orientation_target_set(team=team, target_share=0.5, actor=SYSTEM)
        people = staff(join, team, 1, 3, at=day(0))  # 0.25
        join(team, R, embedded_in=other_team, at=day(100))  # team 2/5 = 0.4, other 1/1
        services.member_update(
            member=people[1], actor=SYSTEM, changes={"orientation": R}, at=day(200)
        )  # 3/5 = 0.6
        services.member_leave(member=people[2], actor=SYSTEM, at=day(300))  # 3/4 = 0.75

        history = selectors.ratio_history(end=day(350), months=12, step_days=7)
        series = next(s for s in history.teams if s.team == team)
        shares = dict(zip(history.points, series.shares, strict=True))

        def at(moment):  # the latest sample point at or before ``moment``
            return shares[max(p for p in history.points if p <= moment)]

        assert at(day(99)) == 0.25
        assert at(day(101) + timedelta(days=7)) == 0.4
        assert at(day(199)) == 0.4
        assert at(day(207)) == 0.6
        assert shares[day(350)] == 0.75
        host = next(s for s in history.teams if s.team == other_team)
        assert host.shares[0] is None and host.shares[-1] == 1.0
        assert history.overall.totals[-1] == 4
        assert series.latest.outside_target and series.latest.status == "above"

    def test_the_target_band_is_drawn_as_it_was_at_each_moment(self, team, other_team, join):
        staff(join, team, 1, 1, at=day(0))
        services.orientation_target_set(
            team=team, target_share=0.5, tolerance=0.1, actor=SYSTEM, at=day(10)
        )
        services.orientation_target_set(
            team=team, target_share=0.3, tolerance=0.05, actor=SYSTEM, at=day(200)
        )
        services.orientation_target_remove(team=team, actor=SYSTEM, at=day(300))
        services.orientation_target_set(
            team=other_team, target_share=0.95, tolerance=0.1, actor=SYSTEM, at=day(5)
        )

        history = selectors.ratio_history(end=day(350), months=12, step_days=7)
        bands = dict(zip(history.points, history.teams[0].bands, strict=True))
        assert history.teams[0].team == team

        def at(moment):
            return bands[max(p for p in history.points if p <= moment)]

        assert at(day(9)) is None
        assert at(day(17)) == pytest.approx((0.4, 0.6))
        assert at(day(199)) == pytest.approx((0.4, 0.6))
        assert at(day(207)) == pytest.approx((0.25, 0.35))
        assert at(day(307)) is None and bands[day(350)] is None
        other = next(s for s in history.teams if s.team == other_team)
        assert other.bands[-1] == pytest.approx((0.85, 1.0))  # clipped at 100 %

        chart = charts.history_chart(history)
        panel = next(p for p in chart.panels if p.title == team.name)
        assert len(panel.bands) == 2  # 0.4–0.6, then 0.25–0.35 (one shape per change)

    def test_history_matches_ratio_by_team_at_every_point(self, team, join):
        people = staff(join, team, 2, 2, at=day(3))
        services.member_update(
            member=people[0], actor=SYSTEM, changes={"team": TeamFactory()}, at=day(150)
        )
        history = selectors.ratio_history(end=day(300))
        series = next(s for s in history.teams if s.team == team)
        for point, share in zip(history.points, series.shares, strict=True):
            assert share == row_of(selectors.ratio_by_team(at=point), team).research_share


def test_role_breakdown(team, join):
    scientist, engineer = RoleFactory(name="Research Scientist"), RoleFactory(name="ML Engineer")
    join(team, R, role=scientist)
    join(team, R, role=scientist)
    join(team, P, role=engineer)
    gone = join(team, P, role=engineer)
    services.member_leave(member=gone, actor=SYSTEM)
    rows = [(r.role.name, r.research, r.production, r.total) for r in selectors.role_breakdown()]
    assert rows == [("Research Scientist", 2, 0, 2), ("ML Engineer", 0, 1, 1)]


def test_gate_owner_coverage_warns_about_zero_and_single_holders(team, join):
    nobody = ProtocolFactory(
        from_stage="staging",
        to_stage="production",
        responsible_role=RoleFactory(name="ML Production Engineer"),
    )
    single = ProtocolFactory(
        from_stage="experimental",
        to_stage="staging",
        responsible_role=RoleFactory(name="Evaluation Engineer"),
    )
    many = ProtocolFactory(
        from_stage="production", to_stage="deprecated", responsible_role=RoleFactory(name="ML Lead")
    )
    ProtocolFactory(
        from_stage="staging",
        to_stage="experimental",
        active=False,
        responsible_role=RoleFactory(name="Nobody"),
    )
    evaluator = join(team, P, role=single.responsible_role)
    join(team, P, role=many.responsible_role)
    join(team, P, role=many.responsible_role)
    left = join(team, P, role=nobody.responsible_role)
    services.member_leave(member=left, actor=SYSTEM)

    coverage = {c.protocol: c for c in registry_selectors.gate_owner_coverage()}

    assert set(coverage) == {nobody, single, many}
    assert (coverage[nobody].holders, coverage[nobody].level) == (0, "none")
    assert (coverage[single].level, coverage[single].single_holder) == ("single", evaluator)
    assert (coverage[many].holders, coverage[many].level) == (2, "ok")
