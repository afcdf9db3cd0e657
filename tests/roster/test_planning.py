"""The rebalancing planner: preview, apply as one transaction (audited with the plan id), refuse
an overtaken plan with what changed, suggest; its pages and API; maturity trajectories."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.roster import planning
from mlteam.roster.models import MLTeamMember, OrientationTarget, RosterPlan, schedule_point
from mlteam.roster.plan_suggest import suggest
from mlteam.roster.selectors import ratio_by_team
from mlteam.roster.services import member_update, orientation_target_set
from tests.factories import MemberFactory, RoleFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(db):
    """Foundation (target 50 % ± 10) is 4 research / 2 production = 67 %: above its band."""
    fm = TeamFactory(slug="fm", name="Foundation")
    platform = TeamFactory(slug="platform", name="Platform", kind="platform")
    OrientationTarget.objects.create(team=fm, target_research_share="0.5", tolerance="0.1")
    OrientationTarget.objects.create(team=platform, target_research_share="0.1", tolerance="0.1")
    rs, mlpe = RoleFactory(name="Research Scientist"), RoleFactory(name="ML Production Engineer")
    lead = MemberFactory(user__username="lead", role=RoleFactory(name="ML Lead", is_ml_lead=True),
                         team=platform, orientation="production")  # fmt: skip
    researchers = [MemberFactory(role=rs, team=fm) for _ in range(4)]
    engineers = [MemberFactory(role=mlpe, team=fm, orientation="production") for _ in range(2)]
    platform_people = [
        MemberFactory(role=mlpe, team=platform, orientation="production") for _ in range(3)
    ]
    return {
        "fm": fm, "platform": platform, "lead": lead, "researchers": researchers,
        "engineers": engineers, "platform_people": platform_people, "mlpe": mlpe,
    }  # fmt: skip


def _plan(roster, *changes):
    return planning.plan_create(name="Back in band", actor=roster["lead"], changes=changes)


def _switch(member):
    return {"kind": "orientation", "member": member.pk, "orientation": "production"}


def _hire(roster):
    return {"kind": "hire", "title": "production engineer for Foundation", "team": roster["fm"].pk,
            "role": roster["mlpe"].pk, "orientation": "production"}  # fmt: skip


def test_preview_shows_now_and_after_without_changing_anything(roster):
    plan = _plan(roster, _switch(roster["researchers"][0]), _hire(roster))
    preview = planning.plan_preview(plan.changes)
    fm = next(t for t in preview.teams if t.team == roster["fm"])
    assert (fm.now.research, fm.now.production, fm.now.status) == (4, 2, "above")
    assert (fm.planned.research, fm.planned.production, fm.planned.status) == (3, 4, "within")
    assert preview.outside_now == 1 and preview.outside_planned == 0
    assert preview.holders_planned[roster["mlpe"].pk] == preview.holders_now[roster["mlpe"].pk] + 1
    assert MLTeamMember.objects.get(pk=roster["researchers"][0].pk).orientation == "research"


def test_apply_is_one_transaction_each_change_audited_with_the_plan_id(roster):
    leaver = roster["platform_people"][0]
    plan = _plan(
        roster,
        _switch(roster["researchers"][0]),
        {"kind": "move", "member": roster["platform_people"][1].pk, "team": roster["fm"].pk},
        {"kind": "leave", "member": leaver.pk},
        _hire(roster),
    )
    planning.plan_apply(plan=plan, actor=roster["lead"])
    plan.refresh_from_db()
    assert plan.state == RosterPlan.State.APPLIED
    row = next(r for r in ratio_by_team() if r.team == roster["fm"])
    assert (row.research, row.production) == (3, 4)
    events = AuditEvent.objects.filter(details__plan=plan.pk)
    actions = sorted(events.values_list("action", flat=True))
    assert actions == sorted(
        [
            AuditAction.MEMBER_ORIENTATION_CHANGED,
            AuditAction.MEMBER_MOVED,
            AuditAction.MEMBER_LEFT,
            AuditAction.ACCESS_ENDED,  # the leaver's login and sessions, part of the leave
            AuditAction.HIRE_PLANNED,
            AuditAction.PLAN_CHANGED,
            AuditAction.PLAN_CHANGED,
        ]
    )  # fmt: skip  (the plan saved, then applied)
    with pytest.raises(Conflict, match="already applied"):
        planning.plan_apply(plan=plan, actor=roster["lead"])


def test_apply_fails_as_a_whole(roster, monkeypatch):
    plan = _plan(roster, _switch(roster["researchers"][0]), _switch(roster["researchers"][1]))
    calls = []
    original = planning._apply_change

    def second_fails(change, actor, at):
        calls.append(change)
        if len(calls) == 2:
            raise InvalidInput("boom", "The second change failed.")
        original(change, actor, at)

    monkeypatch.setattr(planning, "_apply_change", second_fails)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        planning.plan_apply(plan=plan, actor=roster["lead"])
    assert MLTeamMember.objects.get(pk=roster["researchers"][0].pk).orientation == "research"
    assert AuditEvent.objects.count() == before
    plan.refresh_from_db()
    assert plan.state == RosterPlan.State.DRAFT


def test_an_overtaken_plan_is_refused_with_what_changed(roster):
    moved = roster["researchers"][0]
    plan = _plan(roster, _switch(moved), _hire(roster))
    member_update(member=moved, changes={"team": roster["platform"]}, actor=SYSTEM)
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        planning.plan_apply(plan=plan, actor=roster["lead"])
    assert refused.value.code == "plan_overtaken"
    assert f"{moved}: team Foundation → Platform" in refused.value.message
    assert AuditEvent.objects.count() == before
    assert MLTeamMember.objects.get(pk=moved.pk).orientation == "research"


def test_drafting_refuses_bad_changes_and_non_leads(roster):
    plan = _plan(roster)
    lead = roster["lead"]
    engineer = roster["engineers"][0]
    with pytest.raises(InvalidInput, match="Nothing to change"):
        planning.plan_change_add(plan=plan, change=_switch(engineer), actor=lead)
    with pytest.raises(InvalidInput, match="not a plan change"):
        planning.plan_change_add(plan=plan, change={"kind": "promote"}, actor=lead)
    with pytest.raises(InvalidInput):
        planning.plan_change_add(plan=plan, change={"kind": "move", "member": "x"}, actor=lead)
    with pytest.raises(NotAllowed):
        planning.plan_change_add(
            plan=plan, change=_switch(roster["researchers"][0]), actor=engineer
        )
    plan.refresh_from_db()
    assert plan.changes == []
    planning.plan_discard(plan=plan, actor=lead)
    with pytest.raises(Conflict):
        planning.plan_change_add(plan=plan, change=_hire(roster), actor=lead)


def test_suggest_brings_every_team_into_its_band_and_explains_each_step(roster):
    steps = suggest()
    assert steps and all("Foundation goes from" in s.explanation for s in steps)
    preview = planning.plan_preview([s.change for s in steps])
    assert preview.outside_planned == 0


# -- trajectories ----------------------------------------------------------------------------
def test_schedule_interpolates_between_dates():
    schedule = [
        {"on": "2026-01-01", "share": "0.5", "tolerance": "0.1"},
        {"on": "2027-01-01", "share": "0.3", "tolerance": "0.1"},
    ]
    assert schedule_point(schedule, date(2025, 6, 1), 0.6, 0.05) == (0.6, 0.05)  # before: base
    share, _ = schedule_point(schedule, date(2026, 7, 2), 0.6, 0.05)
    assert share == pytest.approx(0.4, abs=0.002)
    assert schedule_point(schedule, date(2028, 1, 1), 0.6, 0.05) == (0.3, 0.1)


def test_the_band_now_follows_the_trajectory(roster):
    today = timezone.localdate()
    orientation_target_set(
        team=roster["fm"], target_share="0.5", actor=SYSTEM,
        schedule=[(today - timedelta(days=365), "0.9", "0.1"), (today + timedelta(days=365), "0.5", "0.1")],
    )  # fmt: skip
    row = next(r for r in ratio_by_team() if r.team == roster["fm"])
    assert row.target_share == pytest.approx(0.7, abs=0.01) and row.status == "within"
    with pytest.raises(InvalidInput, match="must increase"):
        orientation_target_set(
            team=roster["fm"], target_share="0.5", actor=SYSTEM,
            schedule=[(today, "0.5", "0.1"), (today, "0.4", "0.1")],
        )  # fmt: skip


# -- pages and API ---------------------------------------------------------------------------
def test_planner_pages_for_leads_only(roster, client):
    plan = _plan(roster, _switch(roster["researchers"][0]), _hire(roster))
    client.force_login(roster["engineers"][0].user)
    assert client.get("/roster/plan/").status_code == 403
    assert client.post(f"/roster/plan/{plan.pk}/apply/").status_code == 302
    assert RosterPlan.objects.get(pk=plan.pk).state == RosterPlan.State.DRAFT
    client.force_login(roster["lead"].user)
    page = client.get(f"/roster/plan/{plan.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Foundation · now" in body and "Foundation · planned" in body
    assert "Gate-owner coverage after the plan" in body
    assert "suggest" in client.get("/roster/plan/?suggest=1").content.decode().lower()
    client.post(f"/roster/plan/{plan.pk}/apply/")
    assert RosterPlan.objects.get(pk=plan.pk).state == RosterPlan.State.APPLIED


def test_plans_api_lists_applies_and_refuses_overtaken_plans(roster):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(roster["engineers"][0].user)
    assert api.get("/api/v1/roster/plans/").json()["error"] == "not_ml_lead"
    api.force_authenticate(roster["lead"].user)
    moved = roster["researchers"][0]
    plan = _plan(roster, _switch(moved))
    listed = api.get("/api/v1/roster/plans/").json()
    assert [p["id"] for p in listed] == [plan.pk]
    member_update(member=moved, changes={"team": roster["platform"]}, actor=SYSTEM)
    refused = api.post(f"/api/v1/roster/plans/{plan.pk}/apply/")
    assert refused.status_code == 409 and refused.json()["error"] == "plan_overtaken"
    fresh = _plan(roster, _switch(roster["researchers"][1]))
    applied = api.post(f"/api/v1/roster/plans/{fresh.pk}/apply/")
    assert applied.status_code == 200 and applied.json()["state"] == "applied"
    assert api.post("/api/v1/roster/plans/99999999999/apply/").status_code == 404


def test_history_chart_draws_the_trajectory_beside_the_share(roster, client):
    today = timezone.localdate()
    orientation_target_set(
        team=roster["fm"], target_share="0.5", actor=SYSTEM,
        at=timezone.now() - timedelta(days=300),
        schedule=[(today - timedelta(days=200), "0.8", "0.1"), (today + timedelta(days=200), "0.4", "0.1")],
    )  # fmt: skip
    client.force_login(roster["lead"].user)
    body = client.get("/roster/").content.decode()
    assert 'class="hc-trajectory"' in body
    assert f"trajectory: 40% research by {today + timedelta(days=200)}" in body


def test_embed_and_role_changes_apply_through_the_services(roster):
    person = roster["platform_people"][0]
    plan = _plan(
        roster,
        {"kind": "embed", "member": person.pk, "team": roster["fm"].pk},
        {"kind": "role", "member": person.pk, "role": roster["researchers"][0].role_id},
    )
    preview = planning.plan_preview(plan.changes)
    fm = next(t for t in preview.teams if t.team == roster["fm"])
    assert (fm.planned.production, fm.planned.embedded) == (3, 1)
    with pytest.raises(InvalidInput, match="own primary team"):
        planning.plan_change_add(
            plan=plan,
            change={
                "kind": "embed",
                "member": roster["researchers"][1].pk,
                "team": roster["fm"].pk,
            },
            actor=roster["lead"],
        )
    planning.plan_apply(plan=plan, actor=roster["lead"], note="pairing on serving")
    person.refresh_from_db()
    assert person.embedded_in == roster["fm"] and person.role == roster["researchers"][0].role
    actions = set(AuditEvent.objects.filter(details__plan=plan.pk).values_list("action", flat=True))
    assert {AuditAction.MEMBER_EMBEDDED, AuditAction.MEMBER_ROLE_CHANGED} <= actions
