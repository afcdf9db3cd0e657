"""The one small organisation the tests drive, with the demo's default protocols.

Three teams (a model team, the ML platform, a product team), one person for each kind of right,
three benchmarks and the four handoff protocols of ``seed_demo`` — built from the demo's own
definitions (``mlteam.site.demo.catalogue.PROTOCOLS``, roles from ``organisation.ROLES``), so a
change to a default gate shows in the tests. Versions are registered and moved through the real
handoff engine, never written by hand.

The world's benchmarks stand in for the demo benchmarks the protocols name (``DEMO_BENCHMARKS``).
Where existing tests pin the wording of the worlds they used to build by hand, the world keeps
that wording (``PINNED_STATEMENTS``, and the latency benchmark's name, a ``build_world``
argument): the tests' assertions stay as they were.
"""

from dataclasses import dataclass

from mlteam.cards.models import ModelCard
from mlteam.evals.models import Benchmark
from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.enums import CriterionKind
from mlteam.registry.models import GateCriterion, HandoffProtocol, Model, ModelArtifact
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Role, Team
from mlteam.site.demo.catalogue import PROTOCOLS
from mlteam.site.demo.organisation import ROLES
from tests.factories import BenchmarkFactory, MemberFactory, ModelFactory, TeamFactory, card_fill

# The demo benchmark each world benchmark stands for in the demo's protocols.
DEMO_BENCHMARKS = {"safety-guardrails": "safety", "p99-latency": "latency"}
# (protocol name, criterion position) -> statement the tests pin.
PINNED_STATEMENTS = {
    ("Offline evaluation gate", 2): "Safety at least 0.90",
    ("Offline evaluation gate", 3): "Evals reviewed",
}
SIGNER = {Stage.STAGING: "evaluator", Stage.PRODUCTION: "gate", Stage.DEPRECATED: "lead"}


@dataclass
class World:
    team: Team  # Applied ML, owns the model
    model: Model  # intent-classifier
    owner: MLTeamMember  # registers versions
    requester: MLTeamMember  # same team, production-oriented: requests promotions, edits cards
    evaluator: MLTeamMember  # Evaluation Engineer (ML Platform): signs experimental → staging
    gate: MLTeamMember  # ML Production Engineer (ML Platform): signs staging → production
    gate2: MLTeamMember  # a second holder, for four-eyes cases
    lead: MLTeamMember  # ML Lead on the model's team: may write everywhere, signs retirement
    outsider: MLTeamMember  # Product Engineer on Search: reads everything, writes nothing
    to_staging: HandoffProtocol  # Offline evaluation gate
    to_production: HandoffProtocol  # Production readiness
    retire: HandoffProtocol  # Retirement (the owner may sign)
    rollback: HandoffProtocol  # Rollback
    accuracy: Benchmark  # higher is better, gates nothing
    latency: Benchmark  # lower is better, gated ≤ 350 for production
    safety: Benchmark  # gated ≥ 0.9 for staging and ≥ 0.98 for production and rollback

    def register(self, model: Model | None = None, **kwargs) -> ModelArtifact:
        """A new version of ``model`` (the world's by default), registered by a member of its team."""
        model = model or self.model
        return services.artifact_register(model=model, actor=self._writer(model), **kwargs)

    def record(self, artifact: ModelArtifact, benchmark: Benchmark, value, **kwargs):
        return eval_record(
            artifact=artifact, benchmark=benchmark, value=value, actor=self.lead, **kwargs
        )

    def passing_evals(self, artifact: ModelArtifact) -> ModelArtifact:
        """Safety and latency results that pass every gate, and a complete card."""
        actor = self._writer(artifact.model)
        eval_record(artifact=artifact, benchmark=self.safety, value=0.99, actor=actor)
        eval_record(artifact=artifact, benchmark=self.latency, value=200, actor=actor)
        card_fill(artifact.card)
        return artifact

    def passing(self, artifact: ModelArtifact, accuracy: float = 0.9) -> ModelArtifact:
        """As ``passing_evals``, with an accuracy result too (recorded by the ML lead)."""
        self.record(artifact, self.accuracy, accuracy)
        self.record(artifact, self.latency, 200)
        self.record(artifact, self.safety, 0.99)
        card_fill(ModelCard.objects.get(artifact=artifact))
        return artifact

    def sign_manual_items(self, request, signer) -> None:
        for item in request.items.filter(kind=CriterionKind.MANUAL):
            services.promotion_item_tick(item=item, actor=signer, evidence="https://wiki/runbook")

    def move(self, artifact: ModelArtifact, stage: str) -> ModelArtifact:
        """Drive ``artifact`` through one approved request to ``stage``."""
        signer = getattr(self, SIGNER[stage])
        request = services.promotion_request(
            artifact=artifact, to_stage=stage, actor=self.requester
        )
        self.sign_manual_items(request, signer)
        services.promotion_approve(request=request, actor=signer)
        artifact.refresh_from_db()
        return artifact

    def production_request(self):
        """A staged version's production request with its checklist complete: it waits only
        for the gate owner's approval."""
        artifact = self.move(self.passing_evals(self.register()), Stage.STAGING)
        request = services.promotion_request(
            artifact=artifact, to_stage=Stage.PRODUCTION, actor=self.requester
        )
        self.sign_manual_items(request, self.gate)
        return request

    def in_production(self, model: Model | None = None, accuracy: float = 0.9) -> ModelArtifact:
        """A new version with passing results (``passing``) moved to production."""
        artifact = self.passing(self.register(model), accuracy)
        self.move(artifact, Stage.STAGING)
        return self.move(artifact, Stage.PRODUCTION)

    def _writer(self, model: Model) -> MLTeamMember:
        return self.owner if model.team_id == self.team.pk else self.lead


def demo_roles() -> dict[str, Role]:
    """The demo's roles (name and ML-lead flag)."""
    return {
        name: Role.objects.get_or_create(name=name, defaults={"is_ml_lead": lead})[0]
        for name, lead, _ in ROLES
    }


def demo_protocols(roles: dict[str, Role], benchmarks: dict[str, Benchmark]) -> dict:
    """The demo's default protocols and their criteria, keyed by (from stage, to stage).

    ``benchmarks`` maps the demo benchmark slugs the criteria name to the benchmarks to gate on.
    """
    protocols = {}
    for name, source, target, role, owner_ok, description, criteria in PROTOCOLS:
        protocol = HandoffProtocol.objects.create(
            name=name,
            from_stage=source,
            to_stage=target,
            responsible_role=roles[role],
            allow_owner_approval=owner_ok,
            description=description,
        )
        for position, (kind, statement, bench, comparator, threshold) in enumerate(criteria, 1):
            GateCriterion.objects.create(
                protocol=protocol,
                position=position,
                kind=kind,
                statement=PINNED_STATEMENTS.get((name, position), statement),
                benchmark=benchmarks.get(bench),
                comparator=comparator,
                threshold=threshold,
            )
        protocols[(source, target)] = protocol
    return protocols


def build_world(*, latency_name: str = "Latency p99") -> World:
    team = TeamFactory(name="Applied ML", slug="applied-ml", kind=TeamKind.ML)
    platform = TeamFactory(name="ML Platform", slug="ml-platform", kind=TeamKind.PLATFORM)
    product = TeamFactory(name="Search", slug="search", kind=TeamKind.PRODUCT)
    roles = demo_roles()
    benchmarks = {
        "accuracy": BenchmarkFactory(
            slug="intent-accuracy", name="Intent accuracy", owner_team=team
        ),
        "latency": BenchmarkFactory(
            slug="p99-latency",
            name=latency_name,
            metric="p99 latency",
            unit="ms",
            higher_is_better=False,
            owner_team=platform,
        ),
        "safety": BenchmarkFactory(
            slug="safety", name="Safety suite", metric="pass rate", owner_team=team
        ),
    }
    protocols = demo_protocols(
        roles, {demo: benchmarks[key] for demo, key in DEMO_BENCHMARKS.items()}
    )
    scientist = roles["Research Scientist"]
    return World(
        team=team,
        model=ModelFactory(name="intent-classifier", team=team, task="text-classification"),
        owner=MemberFactory(user__username="owner", team=team, role=scientist),
        requester=MemberFactory(
            user__username="requester",
            team=team,
            role=scientist,
            orientation=Orientation.PRODUCTION,
        ),
        evaluator=MemberFactory(
            user__username="evaluator", team=platform, role=roles["Evaluation Engineer"]
        ),
        gate=MemberFactory(
            user__username="gatekeeper", team=platform, role=roles["ML Production Engineer"]
        ),
        gate2=MemberFactory(
            user__username="gate2", team=platform, role=roles["ML Production Engineer"]
        ),
        lead=MemberFactory(user__username="lead", team=team, role=roles["ML Lead"]),
        outsider=MemberFactory(
            user__username="product",
            team=product,
            role=roles["Product Engineer"],
            orientation=Orientation.PRODUCTION,
        ),
        to_staging=protocols[(Stage.EXPERIMENTAL, Stage.STAGING)],
        to_production=protocols[(Stage.STAGING, Stage.PRODUCTION)],
        retire=protocols[(Stage.PRODUCTION, Stage.DEPRECATED)],
        rollback=protocols[(Stage.DEPRECATED, Stage.PRODUCTION)],
        **benchmarks,
    )
