"""The demo's broken practices: one realistic lapse per organisation check, a maturity
trajectory, and a saved rebalancing plan that brings Foundation Models back into its band.

Everything goes through the services (or, for configuration the admin edits, the same audited
write the admin makes), at dates inside the demo's year, after the registry replay.
"""

from datetime import timedelta

from django.contrib.auth.models import User

from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.configuration import criterion_add, protocol_create, protocol_deactivate
from mlteam.registry.enums import CriterionKind
from mlteam.registry.models import HandoffProtocol, Model, ModelArtifact
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Role
from mlteam.roster.planning import plan_create
from mlteam.roster.services import (
    member_join,
    member_leave,
    member_update,
    model_consumer_add,
    orientation_target_set,
    role_create,
    team_create,
)
from mlteam.site.demo.registry import Replay
from mlteam.tracking.services import experiment_create

PLAN_NAME = "Foundation Models back in band"


def _user(username: str, first: str, last: str) -> User:
    user = User(username=username, first_name=first, last_name=last)
    user.set_unusable_password()
    user.save()
    return user


def break_practices(replay: Replay) -> None:
    org, now = replay.org, replay.now
    lead = MLTeamMember.objects.select_related("user").get(user__username="lead")
    actor = lead
    teams = org.teams

    # gate_owner_gap + informal_production + untracked_version + card_incomplete_in_production:
    # a "hotfix fast track" straight to production, signed by one person, no metric criterion,
    # used once for a version registered from a laptop (no run) with a half-written card.
    commander_role = role_create(
        name="Incident Commander",
        description="Runs incidents; signs the hotfix fast track.",
        actor=actor,
        at=now - timedelta(days=41),
    )
    platform = [m for m in org.members if m.team.slug == "ml-platform"]
    commander = next(m for m in platform if m.role.name == "Platform Engineer")
    member_update(
        member=commander,
        actor=actor,
        changes={"role": commander_role},
        at=now - timedelta(days=40),
    )
    fast_track = protocol_create(
        name="Hotfix fast track",
        from_stage=Stage.EXPERIMENTAL,
        to_stage=Stage.PRODUCTION,
        responsible_role=commander_role,
        description="Added during an outage; nobody removed it.",
        actor=actor,
        at=now - timedelta(days=40),
    )
    criterion_add(
        protocol=fast_track,
        kind=CriterionKind.MANUAL,
        statement="It seems good enough",
        actor=actor,
        at=now - timedelta(days=40),
    )
    forecaster = Model.objects.get(name="gpu-cost-forecaster")
    owner = next(
        m
        for m in platform
        if m.pk != commander.pk
        and m.role.name != "Platform Engineer"
        and m.user.username != "gatekeeper"
    )
    hotfix = services.artifact_register(
        model=forecaster,
        actor=owner,
        at=now - timedelta(days=35),
        artifact_uri="file:///home/notebooks/forecaster-final-v2.pkl",
        description="Pushed during the GPU budget outage.",
    )
    request = services.promotion_request(
        artifact=hotfix, to_stage=Stage.PRODUCTION, actor=owner, at=now - timedelta(days=35)
    )
    commander.refresh_from_db()
    for item in request.items.all():
        services.promotion_item_tick(
            item=item, actor=commander, evidence="Looked fine in the notebook.",
            at=now - timedelta(days=34, hours=20),
        )  # fmt: skip
    services.promotion_approve(request=request, actor=commander, at=now - timedelta(days=34))

    # ungated_transition: versions were retired through "Retirement", then it was switched off.
    retirement = HandoffProtocol.objects.get(from_stage=Stage.PRODUCTION, to_stage=Stage.DEPRECATED)
    protocol_deactivate(protocol=retirement, actor=actor, at=now - timedelta(days=30))

    # orphaned_owner: the owner of a production version left.
    # (a production-oriented owner outside Foundation Models, so no other team leaves its band)
    orphan = (
        ModelArtifact.objects.filter(
            status=Stage.PRODUCTION,
            owner__orientation=Orientation.PRODUCTION,
            owner__embedded_in__isnull=True,
            owner__team__slug__in=["applied-ml", "trust-safety"],
        )
        .exclude(owner__user__username__in=["lead", "gatekeeper", "researcher", "product"])
        .exclude(owner__role__name="ML Lead")
        .select_related("owner")
        .order_by("model__name")
        .first()
    )
    member_leave(member=orphan.owner, actor=actor, at=now - timedelta(days=20))

    # experiment_without_runs: started a month ago, everything since lives in a notebook.
    applied = teams["applied-ml"]
    experiment_create(
        name="churn signals from ticket text",
        team=applied,
        owner=next(m for m in org.members if m.team.slug == "applied-ml"),
        hypothesis="Ticket wording predicts churn a month ahead.",
        at=now - timedelta(days=30),
    )

    # consumer_without_production: Support Agents builds on a model that never reached production.
    model_consumer_add(
        team=teams["support-agents"],
        model=Model.objects.get(name="chat-assistant-70b"),
        since=(now - timedelta(days=25)).date(),
        note="Prototype escalation flow.",
        actor=actor,
        at=now - timedelta(days=25),
    )

    # no_target: a new ML team nobody set a target for yet.
    speech = team_create(
        name="Speech Lab",
        slug="speech-lab",
        kind=TeamKind.ML,
        mission="Speech recognition and synthesis research.",
        actor=actor,
        at=now - timedelta(days=15),
    )
    for username, first, last, orientation in [
        ("sam.okoro", "Sam", "Okoro", Orientation.RESEARCH),
        ("lea.fontaine", "Léa", "Fontaine", Orientation.RESEARCH),
    ]:
        member_join(
            user=_user(username, first, last),
            role=Role.objects.get(name="Research Scientist"),
            orientation=orientation,
            team=speech,
            actor=actor,
            at=now - timedelta(days=14),
        )

    # A maturity trajectory: Foundation Models aims at 50 % research now, 35 % in a year.
    today = now.date()
    orientation_target_set(
        team=teams["foundation-models"],
        target_share="0.5",
        tolerance="0.1",
        schedule=[(today, "0.5", "0.1"), (today + timedelta(days=365), "0.35", "0.1")],
        actor=actor,
        at=now - timedelta(minutes=5),
    )

    # A saved plan that, applied, brings Foundation Models back into its band.
    fm = teams["foundation-models"]
    researcher = (
        MLTeamMember.objects.filter(
            team=fm, orientation=Orientation.RESEARCH, left_on__isnull=True,
            role__name="Research Scientist", embedded_in__isnull=True,
        )
        .order_by("joined_on", "pk")
        .first()
    )  # fmt: skip
    plan_create(
        name=PLAN_NAME,
        note="Foundation Models drifted research-heavy this year; move one researcher onto "
        "serving and hire a production engineer.",
        actor=actor,
        changes=[
            {"kind": "orientation", "member": researcher.pk, "orientation": "production"},
            {
                "kind": "hire",
                "title": "production engineer for Foundation Models",
                "team": fm.pk,
                "role": Role.objects.get(name="ML Production Engineer").pk,
                "orientation": "production",
            },
        ],
    )
