"""The roster admin: chart above the member list following the filters; every save goes
through the roster services; only ML leads edit."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.roster import services
from mlteam.roster.enums import Orientation
from mlteam.roster.models import MLTeamMember, OrientationTarget, RosterPeriod
from tests.factories import MemberFactory, RoleFactory, TeamFactory, UserFactory

from .conftest import day

pytestmark = pytest.mark.django_db
R, P = Orientation.RESEARCH, Orientation.PRODUCTION
CHANGELIST = "admin:roster_mlteammember_changelist"


@pytest.fixture
def admin_client(client, lead):
    lead.user.is_staff = True
    lead.user.is_superuser = True
    lead.user.save()
    client.force_login(lead.user)
    return client


def chart_rows(response):
    return {(r.team.slug, r.research, r.production) for r in response.context["ratio_rows"]}


class TestChangelistChart:
    def test_chart_counts_exactly_the_listed_members(
        self, admin_client, team, other_team, join, lead
    ):
        services.orientation_target_set(team=team, target_share=0.2, actor=SYSTEM)
        for o in (R, R, R, P, P):
            join(team, o)
        join(other_team, P)
        guest = join(other_team, R, embedded_in=team)
        gone = join(team, P)
        services.member_leave(member=gone, actor=SYSTEM)

        everyone = admin_client.get(reverse(CHANGELIST))
        assert "Orientation ratio of the" in everyone.content.decode()
        by_team = {r.team.slug: r for r in everyone.context["ratio_rows"]}
        assert (by_team["applied-ml"].research, by_team["applied-ml"].production) == (4, 2)
        assert by_team["applied-ml"].outside_target and by_team["applied-ml"].embedded == 1
        assert "⚠ Outside their target band: Applied ML" in everyone.content.decode()

        filtered = admin_client.get(reverse(CHANGELIST), {"team": team.pk})
        assert chart_rows(filtered) == {("applied-ml", 4, 2)}
        assert guest in filtered.context["cl"].queryset  # embedded people belong to the team

        research_only = admin_client.get(reverse(CHANGELIST), {"orientation__exact": "research"})
        assert ("applied-ml", 4, 0) in chart_rows(research_only)

        left = admin_client.get(reverse(CHANGELIST), {"status": "left"})
        assert chart_rows(left) == {("applied-ml", 0, 1)}

        searched = admin_client.get(reverse(CHANGELIST), {"q": guest.user.username})
        assert chart_rows(searched) == {("trust-safety", 1, 0), ("applied-ml", 1, 0)}

    @pytest.mark.parametrize("odd", ["²", "99999999999999999999999999", "abc", "-1"])
    def test_an_odd_team_in_the_url_lists_everyone_instead_of_failing(
        self, admin_client, team, join, odd
    ):
        join(team, R)
        everyone = chart_rows(admin_client.get(reverse(CHANGELIST)))
        response = admin_client.get(reverse(CHANGELIST), {"team": odd})
        assert response.status_code == 200
        assert ("applied-ml", 1, 0) in chart_rows(response) == everyone

    def test_query_count_does_not_grow_with_rows(self, admin_client, join):
        teams = [TeamFactory() for _ in range(2)]
        join(teams[0], R)
        with CaptureQueriesContext(connection) as few:
            admin_client.get(reverse(CHANGELIST))
        teams += [TeamFactory() for _ in range(8)]
        for i, team in enumerate(teams):
            for o in (R, P, P):
                join(team, o, embedded_in=teams[i - 1])
        with CaptureQueriesContext(connection) as many:
            response = admin_client.get(reverse(CHANGELIST))
        assert response.context["cl"].result_count > 30
        assert len(many) == len(few)


class TestMemberEdits:
    def test_changing_orientation_goes_through_the_service(self, admin_client, team, join, lead):
        member = join(team, R, at=day(0))
        url = reverse("admin:roster_mlteammember_change", args=[member.pk])
        response = admin_client.post(
            url,
            {
                "role": member.role_id,
                "orientation": "production",
                "team": team.pk,
                "embedded_in": "",
                "effective_at_0": "",
                "effective_at_1": "",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        member.refresh_from_db()
        assert member.orientation == "production"
        assert (
            member.periods.count() == 2
            and member.periods.get(valid_to=None).orientation == "production"
        )
        event = AuditEvent.objects.get(action=AuditAction.MEMBER_ORIENTATION_CHANGED)
        assert event.actor == lead.user

    @pytest.mark.parametrize("has_left", [False, True])
    def test_saving_an_unchanged_member_is_fine_and_records_nothing(
        self, admin_client, team, join, has_left
    ):
        member = join(team, R, at=day(0))
        if has_left:
            services.member_leave(member=member, actor=SYSTEM, at=day(1))
        events = AuditEvent.objects.count()
        response = admin_client.post(
            reverse("admin:roster_mlteammember_change", args=[member.pk]),
            {
                "role": member.role_id,
                "orientation": "research",
                "team": team.pk,
                "embedded_in": "",
                "effective_at_0": "",
                "effective_at_1": "",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert AuditEvent.objects.count() == events
        assert member.periods.count() == 1

    def test_embedding_in_the_own_team_is_a_form_error_and_changes_nothing(
        self, admin_client, team, join
    ):
        member = join(team, R)
        url = reverse("admin:roster_mlteammember_change", args=[member.pk])
        response = admin_client.post(
            url,
            {
                "role": member.role_id,
                "orientation": "research",
                "team": team.pk,
                "embedded_in": team.pk,
                "effective_at_0": "",
                "effective_at_1": "",
            },
        )
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "cannot be embedded in their own primary team" in str(errors["embedded_in"])
        assert RosterPeriod.objects.filter(member=member).count() == 1

    def test_a_past_effective_date_is_used(self, admin_client, team, other_team, join):
        member = join(team, R, at=day(0))
        url = reverse("admin:roster_mlteammember_change", args=[member.pk])
        admin_client.post(
            url,
            {
                "role": member.role_id,
                "orientation": "research",
                "team": other_team.pk,
                "embedded_in": "",
                "effective_at_0": "2025-02-01",
                "effective_at_1": "10:00:00",
            },
        )
        current = RosterPeriod.objects.get(member=member, valid_to=None)
        assert (current.team, current.valid_from.date().isoformat()) == (other_team, "2025-02-01")

    def test_an_effective_date_before_the_last_change_is_refused_cleanly(
        self, admin_client, team, join
    ):
        member = join(team, R, at=day(30))
        url = reverse("admin:roster_mlteammember_change", args=[member.pk])
        response = admin_client.post(
            url,
            {
                "role": member.role_id,
                "orientation": "production",
                "team": team.pk,
                "embedded_in": "",
                "effective_at_0": "2025-01-01",
                "effective_at_1": "10:00:00",
            },
            follow=True,
        )
        assert "Nothing was changed" in response.content.decode()
        member.refresh_from_db()
        assert member.orientation == "research" and member.periods.count() == 1

    def test_recording_leaving(self, admin_client, team, join):
        member = join(team, R)
        url = reverse("admin:roster_mlteammember_change", args=[member.pk])
        admin_client.post(
            url,
            {
                "role": member.role_id,
                "orientation": "research",
                "team": team.pk,
                "embedded_in": "",
                "leave": "on",
                "effective_at_0": "",
                "effective_at_1": "",
            },
        )
        member.refresh_from_db()
        assert not member.is_active
        assert AuditEvent.objects.filter(action=AuditAction.MEMBER_LEFT, member=member).exists()

    def test_leaving_action(self, admin_client, team, join):
        members = [join(team, R), join(team, P)]
        admin_client.post(
            reverse(CHANGELIST),
            {
                "action": "record_leaving",
                "_selected_action": [m.pk for m in members],
            },
        )
        assert not MLTeamMember.objects.filter(left_on__isnull=True, team=team).exists()

    def test_rejoining_action_continues_their_history(self, admin_client, team, join):
        back, still_here = join(team, P, at=day(0)), join(team, R, at=day(0))
        services.member_leave(member=back, actor=SYSTEM, at=day(3))
        response = admin_client.post(
            reverse(CHANGELIST) + "?status=all",
            {"action": "record_rejoining", "_selected_action": [back.pk, still_here.pk]},
            follow=True,
        )
        back.refresh_from_db()
        assert back.is_active and back.orientation == P and back.team == team
        assert [p.valid_to is None for p in back.periods.order_by("valid_from")] == [False, True]
        assert AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED, member=back).count() == 2
        page = response.content.decode()
        assert "Recorded 1 rejoining." in page and "already on the roster" in page

    def test_adding_a_member_goes_through_member_join(self, admin_client, team):
        user = UserFactory(username="newbie")
        response = admin_client.post(
            reverse("admin:roster_mlteammember_add"),
            {
                "user": user.pk,
                "role": RoleFactory().pk,
                "orientation": "production",
                "team": team.pk,
                "embedded_in": "",
                "effective_at_0": "",
                "effective_at_1": "",
            },
        )
        assert response.status_code == 302
        member = MLTeamMember.objects.get(user=user)
        assert member.periods.count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED, member=member).exists()

    def test_members_are_never_deleted(self, admin_client, team, join):
        member = join(team, R)
        response = admin_client.post(
            reverse("admin:roster_mlteammember_delete", args=[member.pk]), {"post": "yes"}
        )
        assert response.status_code == 403
        assert MLTeamMember.objects.filter(pk=member.pk).exists()


def test_staff_who_are_not_ml_leads_can_look_but_not_edit(client, team, join):
    viewer = MemberFactory(user__is_staff=True)
    viewer.user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="roster",
            codename__in=["view_mlteammember", "change_mlteammember"],
        )
    )
    member = join(team, R)
    client.force_login(viewer.user)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    url = reverse("admin:roster_mlteammember_change", args=[member.pk])
    response = client.post(
        url, {"role": member.role_id, "orientation": "production", "team": team.pk}
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.orientation == "research"


class TestTeamAdmin:
    def test_change_page_shows_members_inline_and_ratio_against_target(
        self, admin_client, team, other_team, join
    ):
        services.orientation_target_set(team=team, target_share=0.3, actor=SYSTEM)
        member = join(team, R)
        guest = join(other_team, P, embedded_in=team)
        html = admin_client.get(
            reverse("admin:roster_team_change", args=[team.pk])
        ).content.decode()
        assert str(member) in html and str(guest) in html
        assert "Embedded members (primary team elsewhere" in html
        assert "50% research · 1 R / 1 P (incl. 1 embedded)" in html
        assert "▲ above target 20%–40%" in html

    def _post(self, client, team, **target):
        data = {
            "name": team.name,
            "slug": team.slug,
            "kind": team.kind,
            "mission": "New mission",
            "lead": "",
            "orientation_target-TOTAL_FORMS": "1",
            "orientation_target-INITIAL_FORMS": "0",
            "orientation_target-MIN_NUM_FORMS": "0",
            "orientation_target-MAX_NUM_FORMS": "1",
            "orientation_target-0-target_research_share": target.get("share", ""),
            "orientation_target-0-tolerance": target.get("tolerance", "0.1"),
            "orientation_target-0-team": team.pk,
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "embedded_members-TOTAL_FORMS": "0",
            "embedded_members-INITIAL_FORMS": "0",
        }
        return client.post(reverse("admin:roster_team_change", args=[team.pk]), data)

    def test_saving_a_team_and_its_target_goes_through_the_services(self, admin_client, team):
        response = self._post(admin_client, team, share="0.35")
        assert response.status_code == 302, response.context["errors"]
        team.refresh_from_db()
        assert team.mission == "New mission"
        assert str(team.orientation_target.target_research_share) == "0.350"
        assert AuditEvent.objects.filter(action=AuditAction.TARGET_SET, team=team).count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.TEAM_CHANGED, team=team).count() == 1

    def test_a_target_above_one_is_a_form_error(self, admin_client, team):
        response = self._post(admin_client, team, share="1.5")
        assert response.status_code == 200
        assert "between 0 and 1" in response.content.decode()
        assert not OrientationTarget.objects.filter(team=team).exists()
        team.refresh_from_db()
        assert team.mission != "New mission"

    def test_target_admin_sets_a_maturity_trajectory(self, admin_client, team):
        url = reverse("admin:roster_orientationtarget_add")
        data = {"team": team.pk, "target_research_share": "0.5", "tolerance": "0.1"}
        bad = admin_client.post(
            url, data | {"trajectory": "2027-01-01 0.5 0.1\n2026-01-01 0.4 0.1"}
        )
        assert bad.status_code == 200 and "must increase" in bad.content.decode()
        assert not OrientationTarget.objects.filter(team=team).exists()
        trajectory = "2026-01-01 0.5 0.1\n2027-01-01 0.35 0.1"
        assert admin_client.post(url, data | {"trajectory": trajectory}).status_code == 302
        target = OrientationTarget.objects.get(team=team)
        assert [p["share"] for p in target.schedule] == ["0.500", "0.350"]
        event = AuditEvent.objects.filter(action=AuditAction.TARGET_SET, team=team).get()
        assert event.details["schedule"] == target.schedule
        page = admin_client.get(reverse("admin:roster_orientationtarget_change", args=[target.pk]))
        assert "2027-01-01 0.350 0.100" in page.content.decode()

    def test_target_admin_uses_the_service(self, admin_client, team):
        response = admin_client.post(
            reverse("admin:roster_orientationtarget_add"),
            {
                "team": team.pk,
                "target_research_share": "0.4",
                "tolerance": "0.05",
            },
        )
        assert response.status_code == 302
        target = OrientationTarget.objects.get(team=team)
        admin_client.post(
            reverse("admin:roster_orientationtarget_delete", args=[target.pk]), {"post": "yes"}
        )
        assert not OrientationTarget.objects.filter(team=team).exists()
        assert AuditEvent.objects.filter(action=AuditAction.TARGET_SET).count() == 2
