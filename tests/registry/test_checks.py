"""Organisation checks: every check with and without its condition, on a small organisation that
starts with no finding at all; the selector's query count does not grow with the organisation."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from mlteam.evals.services import eval_record
from mlteam.kernel.actors import SYSTEM
from mlteam.registry import services
from mlteam.registry.checks import organisation_checks
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import GateCriterion, HandoffProtocol, ModelArtifact
from mlteam.roster.models import MLTeamMember, ModelConsumer, OrientationTarget
from mlteam.roster.services import (
    member_leave,
    member_update,
    orientation_target_remove,
    orientation_target_set,
)
from tests.factories import (
    BenchmarkFactory,
    CriterionFactory,
    ExperimentFactory,
    MemberFactory,
    ModelFactory,
    ProtocolFactory,
    RoleFactory,
    RunFactory,
    TeamFactory,
    card_fill,
)

pytestmark = pytest.mark.django_db


@dataclass
class Org:
    core: object
    app: object
    scientist: MLTeamMember
    scientist2: MLTeamMember
    evaluators: list
    engineers: list
    benchmark: object
    gates: dict
    model: object
    production: ModelArtifact


def codes(**filters) -> list[str]:
    return sorted({f.code for f in organisation_checks(**filters)})


def promote(artifact, to, *, requester, approver, at=None):
    request = services.promotion_request(artifact=artifact, to_stage=to, actor=requester, at=at)
    later = at + timedelta(hours=1) if at else None
    for item in request.items.filter(kind=CriterionKind.MANUAL):
        services.promotion_item_tick(item=item, actor=approver, evidence="ok", at=later)
    services.promotion_approve(request=request, actor=approver, at=later)
    artifact.refresh_from_db()
    return artifact


def register(org: Org, model, *, value=0.9, run=True, at=None, actor=None):
    actor = actor or org.scientist
    source = RunFactory(experiment__team=model.team, experiment__owner=actor) if run else None
    artifact = services.artifact_register(model=model, actor=actor, source_run=source, at=at)
    eval_record(artifact=artifact, benchmark=org.benchmark, value=value, actor=actor, at=at)
    card_fill(artifact.card)
    return artifact


@pytest.fixture
def org(db) -> Org:
    core = TeamFactory(slug="core", name="Core ML", kind="ml")
    app = TeamFactory(slug="app", name="App", kind="product")
    orientation_target_set(team=core, target_share="0.35", tolerance="0.1", actor=SYSTEM)
    orientation_target_set(team=app, target_share="0", tolerance="0.1", actor=SYSTEM)
    rs = RoleFactory(name="Research Scientist")
    ee, mlpe = RoleFactory(name="Evaluation Engineer"), RoleFactory(name="ML Production Engineer")
    scientist = MemberFactory(user__username="sci", role=rs, team=core)
    scientist2 = MemberFactory(user__username="sci2", role=rs, team=core)
    evaluators = [MemberFactory(role=ee, team=core, orientation="production") for _ in range(2)]
    engineers = [MemberFactory(role=mlpe, team=core, orientation="production") for _ in range(2)]
    MemberFactory(role=RoleFactory(name="Product Engineer"), team=app, orientation="production")
    benchmark = BenchmarkFactory(slug="accuracy", owner_team=core)
    gates = {}
    for source, target, role in [
        ("experimental", "staging", ee),
        ("staging", "production", mlpe),
        ("deprecated", "production", mlpe),
    ]:
        gates[target if source != "deprecated" else "rollback"] = protocol = ProtocolFactory(
            from_stage=source, to_stage=target, responsible_role=role
        )
        CriterionFactory(
            protocol=protocol,
            kind=CriterionKind.METRIC,
            statement="accuracy ≥ 0.8",
            benchmark=benchmark,
            comparator=Comparator.GTE,
            threshold=0.8,
        )
    model = ModelFactory(name="intent", team=core)
    o = Org(core, app, scientist, scientist2, evaluators, engineers, benchmark, gates, model, None)
    artifact = register(o, model)
    promote(artifact, "staging", requester=scientist, approver=evaluators[0])
    o.production = promote(artifact, "production", requester=scientist, approver=engineers[0])
    return o


def test_a_well_run_organisation_has_no_finding(org):
    assert organisation_checks() == []


def test_ungated_transition_when_a_used_transition_lost_its_gate(org):
    HandoffProtocol.objects.filter(pk=org.gates["production"].pk).update(active=False)
    [finding] = [f for f in organisation_checks() if f.code == "ungated_transition"]
    assert finding.severity == "high" and finding.subject == "staging → production"
    assert finding.fix_url == "/admin/registry/handoffprotocol/add/"


def test_ungated_transition_when_production_has_no_rollback_gate(org):
    HandoffProtocol.objects.filter(pk=org.gates["rollback"].pk).update(active=False)
    [finding] = organisation_checks(code="ungated_transition")
    assert finding.severity == "medium" and finding.subject == "deprecated → production"


def test_informal_production_of_a_version_and_of_the_gate(org):
    GateCriterion.objects.filter(protocol=org.gates["production"]).delete()
    CriterionFactory(protocol=org.gates["production"], statement="It seems good enough")
    informal = ModelFactory(name="informal", team=org.core)
    artifact = register(org, informal)
    promote(artifact, "staging", requester=org.scientist, approver=org.evaluators[0])
    promote(artifact, "production", requester=org.scientist, approver=org.engineers[0])
    findings = organisation_checks(code="informal_production")
    assert [(f.severity, f.subject) for f in findings] == [
        ("high", "informal v1"),
        ("medium", f"{org.gates['production'].name} (staging → production)"),
    ]
    assert findings[0].subject_url == "/models/informal/v1/"


def test_gate_owner_gap_one_holder_then_none(org):
    member_leave(member=org.engineers[1], actor=SYSTEM)
    gaps = organisation_checks(code="gate_owner_gap")
    assert {f.severity for f in gaps} == {"medium"} and len(gaps) == 2  # production and rollback
    member_leave(member=org.engineers[0], actor=SYSTEM)
    assert {f.severity for f in organisation_checks(code="gate_owner_gap")} == {"high"}


def test_team_local_benchmark_owned_by_a_product_team(org):
    BenchmarkFactory(slug="app-clicks", name="App clicks", owner_team=org.app)
    [finding] = organisation_checks(code="team_local_benchmark")
    assert finding.subject == "App clicks" and finding.team == "app"


def test_team_local_benchmark_when_teams_measure_the_same_task_their_own_way(org):
    other = TeamFactory(slug="other", name="Other ML", kind="ml")
    orientation_target_set(team=other, target_share="0.5", actor=SYSTEM)
    member = MemberFactory(team=other, role=org.scientist.role)
    own = BenchmarkFactory(slug="other-acc", name="Other accuracy", owner_team=other)
    artifact = services.artifact_register(model=ModelFactory(team=other), actor=member)
    eval_record(artifact=artifact, benchmark=own, value=0.5, actor=member)
    [finding] = organisation_checks(code="team_local_benchmark")
    assert finding.subject == "task text-classification"
    assert "Core ML on" in finding.message and "Other ML on Other accuracy" in finding.message


def test_untracked_version_beyond_experimental(org):
    untracked = register(org, ModelFactory(name="laptop", team=org.core), run=False)
    assert codes() == []  # experimental without a run is fine: it is an experiment
    promote(untracked, "staging", requester=org.scientist, approver=org.evaluators[0])
    [finding] = organisation_checks(code="untracked_version")
    assert finding.subject == "laptop" and "v1 (staging)" in finding.message


def test_experiment_without_runs_after_14_days(org):
    ExperimentFactory(
        team=org.core, owner=org.scientist, created_at=timezone.now() - timedelta(days=13)
    )
    assert codes() == []
    ExperimentFactory(
        name="notebook", team=org.core, owner=org.scientist,
        created_at=timezone.now() - timedelta(days=15),
    )  # fmt: skip
    [finding] = organisation_checks(code="experiment_without_runs")
    assert finding.subject == "notebook" and finding.severity == "low"


def test_ratio_outside_target_and_no_target(org):
    member_update(member=org.evaluators[0], changes={"orientation": "research"}, actor=SYSTEM)
    [finding] = organisation_checks(code="ratio_outside_target")
    assert finding.team == "core" and "50% research, above its band 25%–45%" in finding.message
    orientation_target_remove(team=org.core, actor=SYSTEM)
    orientation_target_remove(team=org.app, actor=SYSTEM)  # product teams need no target
    assert codes() == ["no_target"]
    assert organisation_checks(code="no_target")[0].team == "core"


def test_ratio_drift_over_the_last_90_days(org):
    past = timezone.now() - timedelta(days=120)
    team = TeamFactory(slug="drift", name="Drifting", kind="platform")
    orientation_target_set(team=team, target_share="0.5", tolerance="0.3", actor=SYSTEM, at=past)
    people = [
        MemberFactory(team=team, orientation=o, period=past, joined_on=past.date())
        for o in ("research", "research", "production", "production")
    ]
    assert codes() == []
    member_update(
        member=people[2],
        changes={"orientation": "research"},
        actor=SYSTEM,
        at=timezone.now() - timedelta(days=5),
    )
    [finding] = organisation_checks(code="ratio_drift")
    assert finding.team == "drift" and "from 50% to 75%" in finding.message
    assert not organisation_checks(code="ratio_outside_target")  # still inside its wide band


def test_ratio_drift_follows_the_trajectory(org):
    """A team whose target moves toward production is not drifting when it follows."""
    past = timezone.now() - timedelta(days=120)
    team = TeamFactory(slug="maturing", name="Maturing", kind="platform")
    today = timezone.localdate()
    people = [
        MemberFactory(team=team, orientation=o, period=past, joined_on=past.date())
        for o in ("research", "research", "production", "production")
    ]
    orientation_target_set(
        team=team, target_share="0.5", tolerance="0.1", actor=SYSTEM, at=past,
        schedule=[(today - timedelta(days=100), "0.5", "0.1"), (today, "0.25", "0.1")],
    )  # fmt: skip
    member_update(
        member=people[0],
        changes={"orientation": "production"},
        actor=SYSTEM,
        at=timezone.now() - timedelta(days=5),
    )
    assert "ratio_drift" not in codes() and "ratio_outside_target" not in codes()


def test_card_incomplete_in_production(org):
    card = org.production.card
    card.license = ""
    card.save()
    [finding] = organisation_checks(code="card_incomplete_in_production")
    assert finding.severity == "high" and "License" in finding.message
    assert finding.fix_url == "/models/intent/v1/card/"


def test_orphaned_owner(org):
    member_leave(member=org.scientist, actor=SYSTEM)
    [finding] = organisation_checks(code="orphaned_owner")
    assert finding.subject == "intent v1" and str(org.scientist) in finding.message


def test_stale_staging_passing_its_production_metrics(org):
    now = timezone.now()
    stale = register(org, ModelFactory(name="waiting", team=org.core), at=now - timedelta(days=45))
    promote(
        stale, "staging", requester=org.scientist, approver=org.evaluators[0],
        at=now - timedelta(days=40),
    )  # fmt: skip
    fresh = register(org, ModelFactory(name="fresh", team=org.core), at=now - timedelta(days=12))
    promote(
        fresh, "staging", requester=org.scientist, approver=org.evaluators[0],
        at=now - timedelta(days=10),
    )  # fmt: skip
    failing = register(
        org, ModelFactory(name="weak", team=org.core), value=0.7, at=now - timedelta(days=45)
    )
    GateCriterion.objects.filter(protocol=org.gates["staging"]).update(threshold=0.5)
    promote(
        failing, "staging", requester=org.scientist, approver=org.evaluators[0],
        at=now - timedelta(days=40),
    )  # fmt: skip
    assert [f.subject for f in organisation_checks(code="stale_staging")] == ["waiting v1"]
    services.promotion_request(artifact=stale, to_stage="production", actor=org.scientist)
    assert organisation_checks(code="stale_staging") == []  # a pending request is not forgotten


def test_consumer_without_production(org):
    ModelConsumer.objects.create(team=org.app, model=org.model)
    assert codes() == []
    ModelConsumer.objects.create(team=org.app, model=ModelFactory(name="draft", team=org.core))
    [finding] = organisation_checks(code="consumer_without_production")
    assert finding.team == "app" and finding.subject == "App uses draft"


def test_filters_severity_and_above_code_and_team(org):
    member_leave(member=org.engineers[1], actor=SYSTEM)  # medium gate_owner_gap ×2
    ModelConsumer.objects.create(team=org.app, model=ModelFactory(name="draft", team=org.core))
    ExperimentFactory(
        team=org.core, owner=org.scientist, created_at=timezone.now() - timedelta(days=30)
    )
    assert codes(severity="low") == [
        "consumer_without_production", "experiment_without_runs", "gate_owner_gap"
    ]  # fmt: skip
    assert codes(severity="medium") == ["consumer_without_production", "gate_owner_gap"]
    assert codes(severity="high") == []
    assert codes(team="app") == ["consumer_without_production"]
    assert codes(code="gate_owner_gap") == ["gate_owner_gap"]


def test_query_count_does_not_grow_with_the_organisation(org, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            organisation_checks()
        return len(ctx.captured_queries)

    small = count()
    for i in range(3):
        team = TeamFactory(slug=f"t{i}", kind="ml")
        OrientationTarget.objects.create(team=team, target_research_share="0.9")
        member = MemberFactory(team=team, role=org.scientist.role)
        model = ModelFactory(team=team)
        artifact = register(org, model, run=False, actor=member)
        card = artifact.card
        card.license = ""
        card.save()
        ExperimentFactory(team=team, owner=member, created_at=timezone.now() - timedelta(days=30))
        ModelConsumer.objects.create(team=org.app, model=model)
        del artifact
    assert len(organisation_checks()) > 3
    assert count() == small
    with django_assert_max_num_queries(25):
        organisation_checks()
