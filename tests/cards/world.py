"""A small organisation for the cards, evals and tracking tests: a model team, a product
engineer who only reads, gate owners, two protocols and three benchmarks.

Versions are registered and moved through the real handoff engine, never written by hand.
"""

from dataclasses import dataclass

import pytest

from mlteam.cards.models import ModelCard
from mlteam.evals.models import Benchmark
from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Team
from tests.factories import (
    BenchmarkFactory,
    CriterionFactory,
    MemberFactory,
    ModelFactory,
    ProtocolFactory,
    RoleFactory,
    TeamFactory,
    card_fill,
)


@dataclass
class World:
    team: Team
    model: Model
    owner: MLTeamMember
    teammate: MLTeamMember
    reader: MLTeamMember  # a product engineer on another team: reads everything, writes nothing
    lead: MLTeamMember  # an ML lead on another team: may write everywhere
    evaluator: MLTeamMember
    gate: MLTeamMember
    accuracy: Benchmark  # higher is better
    latency: Benchmark  # lower is better, gated ≤ 350 for production
    safety: Benchmark  # gated ≥ 0.9 for staging and ≥ 0.98 for production

    def register(self, model: Model | None = None, **kwargs) -> ModelArtifact:
        model = model or self.model
        actor = self.owner if model.team_id == self.team.pk else self.lead
        return services.artifact_register(model=model, actor=actor, **kwargs)

    def record(self, artifact: ModelArtifact, benchmark: Benchmark, value, **kwargs):
        return eval_record(
            artifact=artifact, benchmark=benchmark, value=value, actor=self.lead, **kwargs
        )

    def passing(self, artifact: ModelArtifact, accuracy: float = 0.9) -> ModelArtifact:
        self.record(artifact, self.accuracy, accuracy)
        self.record(artifact, self.latency, 200)
        self.record(artifact, self.safety, 0.99)
        card = ModelCard.objects.get(artifact=artifact)
        card_fill(card)
        return artifact

    def move(self, artifact: ModelArtifact, stage: str) -> ModelArtifact:
        """One approved request, through the engine."""
        signer = self.evaluator if stage == Stage.STAGING else self.gate
        request = services.promotion_request(artifact=artifact, to_stage=stage, actor=self.teammate)
        for item in request.items.filter(kind=CriterionKind.MANUAL):
            services.promotion_item_tick(item=item, actor=signer, evidence="https://wiki/runbook")
        services.promotion_approve(request=request, actor=signer)
        artifact.refresh_from_db()
        return artifact

    def in_production(self, model: Model | None = None, accuracy: float = 0.9) -> ModelArtifact:
        artifact = self.passing(self.register(model), accuracy)
        self.move(artifact, Stage.STAGING)
        return self.move(artifact, Stage.PRODUCTION)


def build_world() -> World:
    team = TeamFactory(name="Applied ML", slug="applied-ml", kind=TeamKind.ML)
    product = TeamFactory(name="Search", slug="search", kind=TeamKind.PRODUCT)
    platform = TeamFactory(name="Platform", slug="platform", kind=TeamKind.PLATFORM)
    eval_role = RoleFactory(name="Evaluation Engineer")
    gate_role = RoleFactory(name="ML Production Engineer")
    lead_role = RoleFactory(name="ML Lead", is_ml_lead=True)
    accuracy = BenchmarkFactory(slug="intent-accuracy", name="Intent accuracy", owner_team=team)
    latency = BenchmarkFactory(
        slug="p99-latency",
        name="Latency p99",
        metric="p99 latency",
        unit="ms",
        higher_is_better=False,
        owner_team=platform,
    )
    safety = BenchmarkFactory(
        slug="safety", name="Safety suite", metric="pass rate", owner_team=team
    )
    to_staging = ProtocolFactory(
        name="Offline evaluation gate",
        from_stage=Stage.EXPERIMENTAL,
        to_stage=Stage.STAGING,
        responsible_role=eval_role,
    )
    CriterionFactory(protocol=to_staging, kind=CriterionKind.CARD_COMPLETE, statement="Card done")
    CriterionFactory(
        protocol=to_staging,
        kind=CriterionKind.METRIC,
        statement="Safe enough",
        benchmark=safety,
        comparator=Comparator.GTE,
        threshold=0.9,
    )
    to_production = ProtocolFactory(
        name="Production readiness",
        from_stage=Stage.STAGING,
        to_stage=Stage.PRODUCTION,
        responsible_role=gate_role,
    )
    CriterionFactory(
        protocol=to_production,
        kind=CriterionKind.METRIC,
        statement="Latency within SLO",
        benchmark=latency,
        comparator=Comparator.LTE,
        threshold=350,
    )
    CriterionFactory(
        protocol=to_production,
        kind=CriterionKind.METRIC,
        statement="Safety passes",
        benchmark=safety,
        comparator=Comparator.GTE,
        threshold=0.98,
    )
    CriterionFactory(protocol=to_production, statement="Rollback rehearsed")
    return World(
        team=team,
        model=ModelFactory(name="intent-classifier", team=team, task="text-classification"),
        owner=MemberFactory(team=team, user__username="owner"),
        teammate=MemberFactory(team=team, user__username="teammate"),
        reader=MemberFactory(
            team=product,
            user__username="product",
            orientation=Orientation.PRODUCTION,
            role=RoleFactory(name="Product Engineer"),
        ),
        lead=MemberFactory(team=platform, user__username="lead", role=lead_role),
        evaluator=MemberFactory(team=platform, user__username="evaluator", role=eval_role),
        gate=MemberFactory(team=platform, user__username="gatekeeper", role=gate_role),
        accuracy=accuracy,
        latency=latency,
        safety=safety,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()
