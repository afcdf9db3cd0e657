"""A small organisation for API tests: one model owned by a team, one gate, and a person in each
permission class (reader, owning-team member, gate owner, ML lead)."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from mlteam.registry import services
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import MLTeamMember, Team
from tests.factories import (
    BenchmarkFactory,
    CriterionFactory,
    MemberFactory,
    ProtocolFactory,
    RoleFactory,
    TeamFactory,
    card_fill,
)


@dataclass
class World:
    team: Team
    other_team: Team
    model: Model
    artifact: ModelArtifact
    member: MLTeamMember  # Research Scientist on the owning team
    colleague: MLTeamMember  # another member of the owning team
    reader: MLTeamMember  # Product Engineer on another team
    gate_owner: MLTeamMember  # Evaluation Engineer (signs experimental → staging), other team
    lead: MLTeamMember  # ML lead, other team
    protocol: object
    benchmark: object


@pytest.fixture
def world(db) -> World:
    team = TeamFactory(slug="applied", name="Applied ML")
    other = TeamFactory(slug="product", name="Product", kind="product")
    scientist = RoleFactory(name="Research Scientist")
    evaluator = RoleFactory(name="Evaluation Engineer")
    lead_role = RoleFactory(name="ML Lead", is_ml_lead=True)
    member = MemberFactory(user__username="member", role=scientist, team=team)
    colleague = MemberFactory(user__username="colleague", role=scientist, team=team)
    reader = MemberFactory(
        user__username="reader",
        role=RoleFactory(name="Product Engineer"),
        team=other,
        orientation="production",
    )
    gate_owner = MemberFactory(user__username="gate", role=evaluator, team=other)
    lead = MemberFactory(user__username="lead", role=lead_role, team=other)
    benchmark = BenchmarkFactory(slug="accuracy", name="Accuracy", owner_team=team)
    protocol = ProtocolFactory(
        name="Offline evaluation gate",
        from_stage="experimental",
        to_stage="staging",
        responsible_role=evaluator,
    )
    CriterionFactory(
        protocol=protocol, position=1, kind=CriterionKind.MANUAL, statement="Eval results reviewed"
    )
    CriterionFactory(
        protocol=protocol,
        position=2,
        kind=CriterionKind.METRIC,
        statement="Accuracy ≥ 0.8",
        benchmark=benchmark,
        comparator=Comparator.GTE,
        threshold=0.8,
    )
    CriterionFactory(
        protocol=protocol,
        position=3,
        kind=CriterionKind.CARD_COMPLETE,
        statement="Model card complete",
    )
    model = services.model_create(
        name="intent", team=team, task="text-classification", actor=member
    )
    artifact = services.artifact_register(
        model=model, actor=member, artifact_uri="s3://m/intent/v1"
    )
    card_fill(artifact.card)
    return World(
        team,
        other,
        model,
        artifact,
        member,
        colleague,
        reader,
        gate_owner,
        lead,
        protocol,
        benchmark,
    )


def api_client(user=None) -> APIClient:
    """An API client authenticated with a fresh token of ``user`` (anonymous without one)."""
    client = APIClient()
    if user is not None:
        _, raw = token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def as_user():
    return lambda member: api_client(member.user if member is not None else None)
