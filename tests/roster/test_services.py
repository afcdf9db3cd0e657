"""Roster services: every change closes one RosterPeriod, opens the next and writes its audit
event; bad input changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from mlteam.kernel.models import AuditEvent
from mlteam.roster import services
from mlteam.roster.enums import Orientation
from mlteam.roster.models import MLTeamMember, OrientationTarget, RosterPeriod, Team
from tests.factories import MemberFactory, RoleFactory, TeamFactory, UserFactory

from .conftest import day

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(MLTeamMember.objects.values().order_by("pk")),
        list(RosterPeriod.objects.values().order_by("pk")),
        AuditEvent.objects.count(),
        list(OrientationTarget.objects.values().order_by("pk")),
        list(Team.objects.values().order_by("pk")),
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


class TestJoin:
    def test_join_opens_a_period_and_records_who_added_whom(self, team, lead):
        user = UserFactory(username="ada")
        member = services.member_join(
            user=user,
            role=RoleFactory(),
            orientation="research",
            team=team,
            actor=lead,
            at=day(3),
        )
        period = member.periods.get()
        assert (period.valid_from, period.valid_to, period.team, period.orientation) == (
            day(3),
            None,
            team,
            "research",
        )
        assert member.joined_on == day(3).date()
        event = events(AuditAction.MEMBER_JOINED)[-1]
        assert (event.actor, event.member, event.team, event.at) == (
            lead.user,
            member,
            team,
            day(3),
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "code"),
        [
            ({"orientation": "sideways"}, InvalidInput, "unknown_orientation"),
            ({"embedded_in": "own"}, InvalidInput, "embedded_in_own_team"),
            ({"at": "future"}, InvalidInput, "at_in_future"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, team, lead, kwargs, error, code):
        kwargs = dict(kwargs)
        if kwargs.get("embedded_in") == "own":
            kwargs["embedded_in"] = team
        if kwargs.get("at") == "future":
            kwargs["at"] = timezone.now() + timedelta(days=2)
        before = snapshot()
        with pytest.raises(error) as refused:
            services.member_join(
                user=UserFactory(),
                role=RoleFactory(),
                team=team,
                actor=lead,
                **{"orientation": "research", **kwargs},
            )
        assert refused.value.code == code
        assert snapshot() == before

    def test_only_ml_leads_edit_the_roster(self, team):
        researcher = MemberFactory()
        before = snapshot()
        with pytest.raises(NotAllowed, match="Only ML leads"):
            services.member_join(
                user=UserFactory(),
                role=RoleFactory(),
                orientation="research",
                team=team,
                actor=researcher,
            )
        assert snapshot() == before

    def test_a_superuser_without_roster_entry_may_add_the_first_lead(self, team):
        admin = UserFactory(is_superuser=True)
        member = services.member_join(
            user=UserFactory(),
            role=RoleFactory(name="ML Lead", is_ml_lead=True),
            orientation="research",
            team=team,
            actor=Operator(admin),
        )
        assert member.is_active

    def test_joining_twice_is_a_conflict(self, team, join):
        member = join(team)
        before = snapshot()
        with pytest.raises(Conflict):
            services.member_join(
                user=member.user,
                role=member.role,
                orientation="production",
                team=team,
                actor=SYSTEM,
            )
        assert snapshot() == before

    def test_someone_who_left_can_return(self, team, other_team, join):
        member = join(team, at=day(0))
        services.member_leave(member=member, actor=SYSTEM, at=day(10))
        back = services.member_join(
            user=member.user,
            role=member.role,
            orientation="production",
            team=other_team,
            actor=SYSTEM,
            at=day(20),
        )
        assert back.pk == member.pk and back.is_active and back.team == other_team
        assert [(p.valid_from, p.valid_to) for p in back.periods.order_by("valid_from")] == [
            (day(0), day(10)),
            (day(20), None),
        ]
        assert events(AuditAction.MEMBER_JOINED)[-1].details["rejoined"] is True


class TestLeave:
    def test_leaving_closes_the_period_at_that_moment(self, team, join, lead):
        member = join(team, at=day(0))
        services.member_leave(member=member, actor=lead, at=day(30))
        member.refresh_from_db()
        assert member.left_on == day(30).date() and not member.is_active
        assert member.periods.get().valid_to == day(30)
        assert events(AuditAction.MEMBER_LEFT)[-1].member == member

    def test_leaving_twice_is_refused_and_changes_nothing(self, team, join):
        member = join(team, at=day(0))
        services.member_leave(member=member, actor=SYSTEM, at=day(30))
        before = snapshot()
        with pytest.raises(Conflict, match="already left"):
            services.member_leave(member=member, actor=SYSTEM, at=day(40))
        assert snapshot() == before

    def test_a_leaving_lead_is_no_longer_the_team_lead(self, team, join):
        member = join(team, at=day(0))
        services.team_update(team=team, actor=SYSTEM, changes={"lead": member}, at=day(1))
        services.member_leave(member=member, actor=SYSTEM, at=day(30))
        team.refresh_from_db()
        assert team.lead is None
        assert events(AuditAction.TEAM_CHANGED)[-1].details["changes"]["lead"][1] == ""

    def test_leave_before_the_last_change_is_refused(self, team, join):
        member = join(team, at=day(10))
        before = snapshot()
        with pytest.raises(InvalidInput):
            services.member_leave(member=member, actor=SYSTEM, at=day(5))
        assert snapshot() == before


class TestChanges:
    def test_orientation_change_splits_the_history_at_that_moment(self, team, join, lead):
        member = join(team, Orientation.RESEARCH, at=day(0))
        services.member_update(
            member=member, actor=lead, changes={"orientation": "production"}, at=day(50)
        )
        periods = list(
            member.periods.order_by("valid_from").values_list(
                "orientation", "valid_from", "valid_to"
            )
        )
        assert periods == [("research", day(0), day(50)), ("production", day(50), None)]
        event = events(AuditAction.MEMBER_ORIENTATION_CHANGED)[-1]
        assert (event.from_state, event.to_state, event.at) == ("research", "production", day(50))

    def test_role_change_and_move(self, team, other_team, join):
        member = join(team, at=day(0))
        engineer = RoleFactory(name="ML Engineer")
        services.member_update(member=member, actor=SYSTEM, changes={"role": engineer}, at=day(5))
        services.member_update(member=member, actor=SYSTEM, changes={"team": other_team}, at=day(9))
        member.refresh_from_db()
        assert (member.role, member.team) == (engineer, other_team)
        assert member.periods.count() == 3
        assert events(AuditAction.MEMBER_ROLE_CHANGED)[-1].to_state == "ML Engineer"
        moved = events(AuditAction.MEMBER_MOVED)[-1]
        assert (moved.from_state, moved.to_state, moved.team) == (
            "applied-ml",
            "trust-safety",
            other_team,
        )

    def test_several_changes_at_once_open_one_period(self, team, other_team, join):
        member = join(team, at=day(0))
        services.member_update(
            member=member,
            actor=SYSTEM,
            at=day(7),
            changes={"orientation": "production", "embedded_in": other_team},
        )
        assert member.periods.count() == 2
        current = member.periods.get(valid_to=None)
        assert (current.orientation, current.embedded_in) == ("production", other_team)
        assert len(events(AuditAction.MEMBER_EMBEDDED)) == 1
        assert len(events(AuditAction.MEMBER_ORIENTATION_CHANGED)) == 1

    def test_embedding_and_ending_it(self, team, other_team, join):
        member = join(team, at=day(0))
        services.member_update(
            member=member, actor=SYSTEM, changes={"embedded_in": other_team}, at=day(3)
        )
        services.member_update(
            member=member, actor=SYSTEM, changes={"embedded_in": None}, at=day(6)
        )
        member.refresh_from_db()
        assert member.embedded_in is None
        assert [p.embedded_in_id for p in member.periods.order_by("valid_from")] == [
            None,
            other_team.pk,
            None,
        ]

    def test_moving_into_the_team_one_is_embedded_in_ends_the_embedding(
        self, team, other_team, join
    ):
        member = join(team, embedded_in=other_team, at=day(0))
        services.member_update(member=member, actor=SYSTEM, changes={"team": other_team}, at=day(4))
        member.refresh_from_db()
        assert (member.team, member.embedded_in) == (other_team, None)

    @pytest.mark.parametrize(
        ("changes", "error", "code"),
        [
            ({"embedded_in": "own"}, InvalidInput, "embedded_in_own_team"),
            ({"orientation": "research"}, InvalidInput, "no_change"),
            ({"orientation": "both"}, InvalidInput, "unknown_orientation"),
            ({"joined_on": "2020-01-01"}, InvalidInput, "unknown_change"),
        ],
    )
    def test_bad_changes_are_refused_and_change_nothing(self, team, join, changes, error, code):
        member = join(team, Orientation.RESEARCH, at=day(0))
        changes = {k: team if v == "own" else v for k, v in changes.items()}
        before = snapshot()
        with pytest.raises(error) as refused:
            services.member_update(member=member, actor=SYSTEM, changes=changes, at=day(5))
        assert refused.value.code == code
        assert snapshot() == before

    def test_a_change_dated_before_the_last_one_is_refused(self, team, join):
        member = join(team, at=day(10))
        before = snapshot()
        with pytest.raises(InvalidInput, match="cannot be dated before"):
            services.member_update(
                member=member, actor=SYSTEM, changes={"orientation": "production"}, at=day(9)
            )
        assert snapshot() == before

    def test_people_who_left_cannot_be_changed(self, team, join):
        member = join(team, at=day(0))
        services.member_leave(member=member, actor=SYSTEM, at=day(2))
        with pytest.raises(Conflict):
            services.member_update(
                member=member, actor=SYSTEM, changes={"orientation": "production"}
            )

    def test_non_leads_are_refused(self, team, join):
        member = join(team, at=day(0))
        before = snapshot()
        with pytest.raises(NotAllowed):
            services.member_update(
                member=member, actor=member, changes={"orientation": "production"}
            )
        assert snapshot() == before


class TestTargets:
    def test_set_and_change_a_target(self, team, lead):
        services.orientation_target_set(team=team, target_share="0.35", actor=lead)
        target = services.orientation_target_set(
            team=team, target_share=0.4, tolerance=0.05, actor=lead
        )
        assert (target.target_research_share, target.tolerance) == (
            Decimal("0.400"),
            Decimal("0.050"),
        )
        assert (target.low, target.high) == (pytest.approx(0.35), pytest.approx(0.45))
        last = events(AuditAction.TARGET_SET)[-1]
        assert (last.from_state, last.to_state) == ("35% ± 10%", "40% ± 5%")

    @pytest.mark.parametrize(
        ("share", "tolerance"),
        [(1.5, 0.1), (-0.1, 0.1), ("abc", 0.1), ("nan", 0.1), ("inf", 0.1), (None, 0.1), (0.5, 2)],
    )
    def test_shares_outside_0_to_1_are_refused_and_change_nothing(
        self, team, lead, share, tolerance
    ):
        services.orientation_target_set(team=team, target_share=0.3, actor=lead)
        before = snapshot()
        with pytest.raises(InvalidInput, match="between 0 and 1"):
            services.orientation_target_set(
                team=team, target_share=share, tolerance=tolerance, actor=lead
            )
        assert snapshot() == before

    def test_remove_a_target(self, team, lead):
        services.orientation_target_set(team=team, target_share=0.3, actor=lead)
        services.orientation_target_remove(team=team, actor=lead)
        assert not OrientationTarget.objects.filter(team=team).exists()
        with pytest.raises(NotFound):
            services.orientation_target_remove(team=team, actor=lead)

    def test_non_leads_cannot_set_targets(self, team):
        with pytest.raises(NotAllowed):
            services.orientation_target_set(team=team, target_share=0.3, actor=MemberFactory())


class TestTeams:
    def test_create_and_update_a_team(self, lead):
        team = services.team_create(name="Search", kind="product", actor=lead)
        assert team.slug == "search"
        services.team_update(team=team, actor=lead, changes={"kind": "hybrid", "lead": lead})
        team.refresh_from_db()
        assert (team.kind, team.lead) == ("hybrid", lead)
        changed = events(AuditAction.TEAM_CHANGED)
        assert len(changed) == 2
        assert changed[-1].details["changes"]["kind"] == ["product", "hybrid"]

    def test_an_update_that_changes_nothing_writes_nothing(self, team):
        before = snapshot()
        services.team_update(team=team, actor=SYSTEM, changes={"name": team.name})
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"kind": "tribe"}, InvalidInput),
            ({"name": " "}, InvalidInput),
            ({"name": "Other"}, Conflict),
            ({"colour": "red"}, InvalidInput),
        ],
    )
    def test_bad_team_changes_are_refused(self, team, changes, error):
        TeamFactory(name="Other", slug="other")
        before = snapshot()
        with pytest.raises(error):
            services.team_update(team=team, actor=SYSTEM, changes=changes)
        assert snapshot() == before

    def test_a_lead_who_left_is_refused(self, team, join):
        member = join(team, at=day(0))
        services.member_leave(member=member, actor=SYSTEM, at=day(1))
        member.refresh_from_db()
        with pytest.raises(InvalidInput):
            services.team_update(team=team, actor=SYSTEM, changes={"lead": member})
