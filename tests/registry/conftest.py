"""A small organisation with the default protocols, for driving the handoff engine in tests."""

from dataclasses import dataclass

import pytest

from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import HandoffProtocol, Model, ModelArtifact
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember
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
    model: Model
    owner: MLTeamMember  # registers versions
    requester: MLTeamMember  # same team, requests promotions
    evaluator: MLTeamMember  # Evaluation Engineer: signs experimental → staging
    gate: MLTeamMember  # ML Production Engineer: signs staging → production
    gate2: MLTeamMember  # a second holder, for four-eyes cases
    lead: MLTeamMember  # ML Lead: signs production → deprecated
    outsider: MLTeamMember  # on another team, no relevant role
    to_staging: HandoffProtocol
    to_production: HandoffProtocol
    retire: HandoffProtocol
    rollback: HandoffProtocol
    safety: object
    latency: object

    def register(self, **kwargs) -> ModelArtifact:
        return services.artifact_register(model=self.model, actor=self.owner, **kwargs)

    def passing_evals(self, artifact: ModelArtifact) -> None:
        eval_record(artifact=artifact, benchmark=self.safety, value=0.99, actor=self.owner)
        eval_record(artifact=artifact, benchmark=self.latency, value=200, actor=self.owner)
        card_fill(artifact.card)

    def sign_manual_items(self, request, signer) -> None:
        for item in request.items.filter(kind=CriterionKind.MANUAL):
            services.promotion_item_tick(item=item, actor=signer, evidence="https://wiki/runbook")

    def move(self, artifact: ModelArtifact, stage: str) -> ModelArtifact:
        """Drive ``artifact`` through one approved request to ``stage``."""
        signer = {
            Stage.STAGING: self.evaluator,
            Stage.PRODUCTION: self.gate,
            Stage.DEPRECATED: self.lead,
        }[stage]
        request = services.promotion_request(
            artifact=artifact, to_stage=stage, actor=self.requester
        )
        self.sign_manual_items(request, signer)
        services.promotion_approve(request=request, actor=signer)
        artifact.refresh_from_db()
        return artifact

    def in_production(self) -> ModelArtifact:
        artifact = self.register()
        self.passing_evals(artifact)
        self.move(artifact, Stage.STAGING)
        return self.move(artifact, Stage.PRODUCTION)


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    ml = TeamFactory(name="Applied ML", slug="applied-ml", kind=TeamKind.ML)
    platform = TeamFactory(name="ML Platform", slug="ml-platform", kind=TeamKind.PLATFORM)
    product = TeamFactory(name="Search", slug="search", kind=TeamKind.PRODUCT)
    scientist = RoleFactory(name="Research Scientist")
    evaluator_role = RoleFactory(name="Evaluation Engineer")
    prod_role = RoleFactory(name="ML Production Engineer")
    lead_role = RoleFactory(name="ML Lead", is_ml_lead=True)
    product_role = RoleFactory(name="Product Engineer")
    safety = BenchmarkFactory(slug="safety", name="Safety suite", owner_team=platform)
    latency = BenchmarkFactory(
        slug="latency", name="p99 latency", unit="ms", higher_is_better=False, owner_team=platform
    )
    to_staging = ProtocolFactory(
        from_stage="experimental", to_stage="staging", responsible_role=evaluator_role
    )
    CriterionFactory(
        protocol=to_staging,
        position=1,
        kind=CriterionKind.CARD_COMPLETE,
        statement="Model card complete",
    )
    CriterionFactory(
        protocol=to_staging,
        position=2,
        kind=CriterionKind.METRIC,
        statement="Safety at least 0.90",
        benchmark=safety,
        comparator=Comparator.GTE,
        threshold=0.9,
    )
    CriterionFactory(
        protocol=to_staging, position=3, kind=CriterionKind.MANUAL, statement="Evals reviewed"
    )
    to_production = ProtocolFactory(
        from_stage="staging", to_stage="production", responsible_role=prod_role
    )
    CriterionFactory(
        protocol=to_production,
        position=1,
        kind=CriterionKind.METRIC,
        statement="p99 latency within SLO",
        benchmark=latency,
        comparator=Comparator.LTE,
        threshold=350,
    )
    CriterionFactory(
        protocol=to_production,
        position=2,
        kind=CriterionKind.METRIC,
        statement="safety evaluation passes all guardrails",
        benchmark=safety,
        comparator=Comparator.GTE,
        threshold=0.98,
    )
    CriterionFactory(
        protocol=to_production,
        position=3,
        kind=CriterionKind.MANUAL,
        statement="rollback procedure documented and tested",
    )
    CriterionFactory(
        protocol=to_production,
        position=4,
        kind=CriterionKind.CARD_COMPLETE,
        statement="Card complete",
    )
    retire = ProtocolFactory(
        from_stage="production",
        to_stage="deprecated",
        responsible_role=lead_role,
        allow_owner_approval=True,
    )
    rollback = ProtocolFactory(
        from_stage="deprecated", to_stage="production", responsible_role=prod_role
    )
    CriterionFactory(
        protocol=rollback, position=1, kind=CriterionKind.MANUAL, statement="Incident linked"
    )
    return World(
        model=ModelFactory(name="intent-classifier", team=ml),
        owner=MemberFactory(user__username="owner", team=ml, role=scientist),
        requester=MemberFactory(
            user__username="requester", team=ml, role=scientist, orientation=Orientation.PRODUCTION
        ),
        evaluator=MemberFactory(user__username="evaluator", team=platform, role=evaluator_role),
        gate=MemberFactory(user__username="gate", team=platform, role=prod_role),
        gate2=MemberFactory(user__username="gate2", team=platform, role=prod_role),
        lead=MemberFactory(user__username="lead", team=ml, role=lead_role),
        outsider=MemberFactory(user__username="outsider", team=product, role=product_role),
        to_staging=to_staging,
        to_production=to_production,
        retire=retire,
        rollback=rollback,
        safety=safety,
        latency=latency,
    )
