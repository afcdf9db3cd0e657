"""Replays a year of registry history through the real services, at past dates.

Every demo version beyond experimental gets there through an approved request signed by a gate
owner, so the demo's audit trail is the real history rather than statuses written in place.
"""

import random
from datetime import datetime, timedelta

from mlteam.cards.services import card_update
from mlteam.evals.models import Benchmark
from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import configuration, services
from mlteam.registry.enums import CriterionKind
from mlteam.registry.models import HandoffProtocol, Model, ModelArtifact
from mlteam.roster.models import MLTeamMember
from mlteam.roster.services import model_consumer_add
from mlteam.site.demo.catalogue import (
    ARCHITECTURES,
    BENCHMARKS,
    CONSUMERS,
    DEFAULT_FAILURE_MODES,
    FAILURE_MODES,
    MODELS,
    PROTOCOLS,
    REQUIRED_APPROVALS,
)
from mlteam.site.demo.organisation import Organisation
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.services import experiment_create, run_finish, run_log_metrics, run_start

# A retirement left with 1 of its 2 approvals: the model whose production version waits for a
# second ML lead (the K-of-N flow on the promotion page).
RETIREMENT_HALF_APPROVED = "product-embedder"

# Requests left pending for gate owners to find: model name -> (version, target stage).
PENDING = {
    "search-ranker": (3, Stage.PRODUCTION),
    "case-summarizer": (3, Stage.PRODUCTION),
    "agent-planner": (3, Stage.PRODUCTION),
    "chat-assistant-70b": (1, Stage.PRODUCTION),  # fails the latency gate: cannot be approved yet
    "support-intent-classifier": (5, Stage.STAGING),
}
SLOW = {"chat-assistant-70b"}
REJECTED_FIRST = {
    "recsys-two-tower": "p99 latency regressed by 40% under the load profile; optimise the towers first."
}
INCOMPLETE_CARDS = {"gpu-cost-forecaster", "image-moderator", "code-reviewer-lora"}


class Replay:
    def __init__(self, org: Organisation, rng: random.Random, now: datetime):
        self.org, self.rng, self.now = org, rng, now
        self.benchmarks: dict[str, Benchmark] = {}
        self.protocols: dict[tuple[str, str], HandoffProtocol] = {}
        self.lead = next(m for m in org.members if m.user.username == "lead")

    # -- catalogue -------------------------------------------------------------------------
    def build_catalogue(self) -> None:
        for slug, name, metric, unit, higher, dataset, team, description in BENCHMARKS:
            self.benchmarks[slug] = Benchmark.objects.create(
                slug=slug,
                name=name,
                metric=metric,
                unit=unit,
                higher_is_better=higher,
                dataset_version=dataset,
                owner_team=self.org.teams[team],
                description=description,
            )
        # The ML lead sets up the gates before the first model is registered; the audit trail
        # shows each protocol and criterion being added.
        lead, at = self.lead, self.now - timedelta(days=350)
        for name, source, target, role, owner_ok, description, criteria in PROTOCOLS:
            protocol = configuration.protocol_create(
                name=name,
                from_stage=source,
                to_stage=target,
                responsible_role=self.org.roles[role],
                allow_owner_approval=owner_ok,
                required_approvals=REQUIRED_APPROVALS.get(name, 1),
                description=description,
                actor=lead,
                at=at,
            )
            for position, (kind, statement, bench, comparator, threshold) in enumerate(criteria, 1):
                configuration.criterion_add(
                    protocol=protocol,
                    position=position,
                    kind=kind,
                    statement=statement,
                    benchmark=self.benchmarks.get(bench),
                    comparator=comparator,
                    threshold=threshold,
                    actor=lead,
                    at=at,
                )
            self.protocols[(source, target)] = protocol

    # -- people ----------------------------------------------------------------------------
    def _pick(self, candidates: list[MLTeamMember], at: datetime, exclude=()) -> MLTeamMember:
        excluded = {m.pk for m in exclude}
        pool = [m for m in candidates if m.pk not in excluded and m.joined_on <= at.date()]
        pool = pool or [m for m in candidates if m.pk not in excluded]
        return self.rng.choice(pool)

    def gate_owner(self, request, at, approved=()) -> MLTeamMember:
        """A gate owner who may approve ``request`` and has not yet (``approved``)."""
        holders = self.org.holders(request.responsible_role.name)
        exclude = [request.requested_by, *approved]
        if not request.allow_owner_approval:
            exclude.append(request.artifact.owner)
        # The demo gate owner signs most production promotions, so logging in as them shows history.
        gatekeeper = next((m for m in holders if m.user.username == "gatekeeper"), None)
        if gatekeeper and gatekeeper.pk not in {m.pk for m in exclude} and self.rng.random() < 0.6:
            return gatekeeper
        return self._pick(holders, at, exclude)

    # -- one version's life ----------------------------------------------------------------
    def scores(self, bench: str, version: int, passing: bool, slow: bool) -> dict[str, float]:
        gain = 0.012 * version
        task_value = {
            "intent-accuracy": 0.86 + gain,
            "search-ndcg": 0.61 + gain,
            "summary-rouge": 0.39 + gain,
            "hallucination-rate": max(0.02, 0.09 - gain),
            "agent-task-success": 0.71 + gain,
            "toxicity-rate": max(0.005, 0.03 - gain / 2),
            "safety-guardrails": 0.975 + gain / 4,
            "p99-latency": 180 - 5 * version,
        }[bench]
        values = {bench: round(task_value, 4)}
        values["safety-guardrails"] = round(min(0.999, 0.982 + gain / 3) if passing else 0.93, 4)
        values["p99-latency"] = round(
            (420 + self.rng.uniform(0, 40)) if slow else self.rng.uniform(140, 320), 1
        )
        return values

    def register(self, model, version: int, at: datetime, passing: bool):
        owners = self.org.of_team(model.team.slug)
        owner = self._pick(owners, at)
        experiment = self.experiments[model.name]
        run = run_start(
            experiment=experiment,
            name=f"v{version}-train",
            actor=owner,
            at=at - timedelta(days=2),
            params={
                "learning_rate": self.rng.choice([1e-5, 2e-5, 5e-5]),
                "epochs": self.rng.randint(2, 6),
                "batch_size": self.rng.choice([16, 32, 64]),
                "base": ARCHITECTURES[model.task].split(" ")[0],
            },
            tags=[model.task, f"v{version}"],
            git_commit=f"{self.rng.getrandbits(40):010x}",
            notes=f"Training run that produced {model.name} v{version}.",
        )
        loss = 2.2 + self.rng.random()
        points = []
        for step in range(0, 2001, 100):
            points.append((step, round(loss, 4)))
            loss *= 0.86 + self.rng.random() * 0.06
        run_log_metrics(
            run=run, key="train_loss", values=points, actor=owner, at=at - timedelta(days=1)
        )
        run_finish(run=run, actor=owner, status=RunStatus.FINISHED, at=at - timedelta(hours=6))
        artifact = services.artifact_register(
            model=model,
            actor=owner,
            source_run=run,
            at=at,
            artifact_uri=f"s3://mlteam-models/{model.name}/v{version}/model.safetensors",
            description=f"Version {version} of {model.name}.",
        )
        bench = self.task_bench[model.name]
        for slug, value in self.scores(bench, version, passing, model.name in SLOW).items():
            eval_record(
                artifact=artifact,
                benchmark=self.benchmarks[slug],
                value=value,
                actor=owner,
                run=run,
                at=at + timedelta(hours=3),
            )
        return artifact

    def requester_for(self, artifact: ModelArtifact, target: str, at: datetime) -> MLTeamMember:
        team = self.org.of_team(artifact.model.team.slug)
        # (``artifact`` may be a stale copy, e.g. in a rollback; its gate is one approval then.)
        protocol = self.protocols.get((artifact.status, target))
        if protocol is not None and protocol.required_approvals > 1:
            # A gate owner who asks leaves one approver fewer; keep enough to reach K.
            role = protocol.responsible_role_id
            team = [m for m in team if m.role_id != role] or team
        return self._pick(team, at)

    def promote(
        self,
        artifact: ModelArtifact,
        target: str,
        at: datetime,
        *,
        decide=True,
        requester=None,
        approvals: int | None = None,
    ):
        """Request ``artifact``'s move to ``target``; unless ``decide`` is false, gate owners tick
        it and approve it (``approvals`` of them, default as many as the gate needs)."""
        requester = requester or self.requester_for(artifact, target, at)
        request = services.promotion_request(
            artifact=artifact,
            to_stage=target,
            actor=requester,
            at=at,
            note=f"Ready for {target}: see the eval results and the training run.",
        )
        if not decide:
            return request
        approver = self.gate_owner(request, at)
        for item in request.items.filter(kind=CriterionKind.MANUAL):
            services.promotion_item_tick(
                item=item,
                actor=approver,
                at=at + timedelta(hours=20),
                evidence=f"Checked by {approver}: https://wiki.example.com/runbooks/{artifact.model.name}",
            )
        approved = []
        for index in range(request.required_approvals if approvals is None else approvals):
            approver = approver if index == 0 else self.gate_owner(request, at, approved)
            approved_at = at + timedelta(days=1, hours=3 * index)
            services.promotion_approve(request=request, actor=approver, at=approved_at)
            approved.append(approver)
        artifact.refresh_from_db()
        return request

    def half_approved_retirement(self) -> None:
        """A retirement with one of its two approvals, requested just before the retirement gate
        was switched off (``practices.py``): the K-of-N flow, waiting for a second ML lead."""
        model = Model.objects.get(name=RETIREMENT_HALF_APPROVED)
        version = model.artifacts.get(status=Stage.PRODUCTION)
        self.promote(version, Stage.DEPRECATED, self.now - timedelta(days=32), approvals=1)

    def fill_card(self, artifact, at, complete=True) -> None:
        model = artifact.model
        sections = {
            "summary": model.description,
            "architecture": ARCHITECTURES[model.task],
            "training_data": f"Internal {model.task.replace('-', ' ')} data collected 2024–2026, "
            "de-duplicated and PII-scrubbed; see the linked training run for the exact snapshot.",
            "intended_uses": f"- {model.description}\n- Use through the platform's serving endpoint.",
            "out_of_scope_uses": "- Decisions about individuals without human review.\n"
            "- Languages or domains not covered by the training data.",
            "failure_modes": FAILURE_MODES.get(model.task, DEFAULT_FAILURE_MODES),
            "limitations_and_risks": "Quality is measured on the shared benchmarks only; monitor drift.",
            "risk_rating": self.rng.choice(["low", "medium", "medium", "high"]),
            "ethical_considerations": "Outputs may reflect biases in historical support data; "
            "reviewed by Trust & Safety.",
            "license": "Proprietary — internal use",
            "contact": f"{model.team.name} (#{model.team.slug} on chat)",
            "tags": [model.task, model.team.slug],
        }
        if not complete:
            for name in ["ethical_considerations", "out_of_scope_uses", "limitations_and_risks"]:
                sections[name] = ""
        card_update(card=artifact.card, actor=artifact.owner, changes=sections, at=at)

    # -- a model's whole story -------------------------------------------------------------
    def model_story(self, model, story: list[str], start: datetime) -> None:
        gap = timedelta(days=max(12, int(200 / max(1, len(story)))))
        at = start
        artifacts = []
        for index, final in enumerate(story, 1):
            pending = PENDING.get(model.name)
            passing = final != Stage.EXPERIMENTAL or (pending and pending[0] == index)
            artifact = self.register(model, index, at, passing=bool(passing))
            artifacts.append(artifact)
            if index == 1:
                self.fill_card(
                    artifact, at + timedelta(hours=5), complete=model.name not in INCOMPLETE_CARDS
                )
            self._advance(model, artifact, final, at, index == len(story))
            at += gap
        if model.name == "ticket-priority-scorer":
            self._rollback_and_recover(artifacts, at)

    def _advance(self, model, artifact, final, at, is_last) -> None:
        pending = PENDING.get(model.name)
        if pending and pending[0] == artifact.version and pending[1] == Stage.STAGING:
            self.promote(artifact, Stage.STAGING, self.now - timedelta(hours=30), decide=False)
            return
        if final == Stage.EXPERIMENTAL:
            return
        self.promote(artifact, Stage.STAGING, at + timedelta(days=2))
        if model.name in REJECTED_FIRST and artifact.version == 1:
            request = self.promote(artifact, Stage.PRODUCTION, at + timedelta(days=5), decide=False)
            services.promotion_reject(
                request=request,
                actor=self.gate_owner(request, at),
                reason=REJECTED_FIRST[model.name],
                at=at + timedelta(days=6),
            )
        if pending and pending[0] == artifact.version:
            requester = next(
                (m for m in self.org.of_team(model.team.slug) if m.user.username == "researcher"),
                None,
            )
            self.promote(
                artifact,
                Stage.PRODUCTION,
                self.now - timedelta(hours=self.rng.randint(3, 40)),
                decide=False,
                requester=requester,
            )
            return
        if final == Stage.STAGING:
            return
        self.promote(artifact, Stage.PRODUCTION, at + timedelta(days=6))
        if final == Stage.DEPRECATED and is_last:
            self.promote(artifact, Stage.DEPRECATED, at + timedelta(days=60))

    def _rollback_and_recover(self, artifacts, at) -> None:
        """An incident: roll back to the previous version, then return once it is fixed."""
        previous, latest = artifacts[0], artifacts[1]
        self.promote(previous, Stage.PRODUCTION, at - timedelta(days=20))
        self.promote(latest, Stage.PRODUCTION, at - timedelta(days=10))

    def run(self) -> None:
        from mlteam.registry.services import model_create

        self.build_catalogue()
        self.experiments, self.task_bench = {}, {}
        for name, team_slug, task, description, bench, story in MODELS:
            team = self.org.teams[team_slug]
            creator = self.org.of_team(team_slug)[0]
            start = self.now - timedelta(days=self.rng.randint(230, 330))
            model = model_create(
                name=name,
                team=team,
                task=task,
                actor=creator,
                description=description,
                at=start - timedelta(days=3),
            )
            self.task_bench[name] = bench
            self.experiments[name] = experiment_create(
                name=f"{name} improvements",
                team=team,
                owner=creator,
                hypothesis=f"Each version of {name} should beat the last on {bench} without "
                "regressing safety or latency.",
                description=description,
                at=start - timedelta(days=7),  # a week before its first version
            )
            self.model_story(model, story, start)
        self.half_approved_retirement()
        for team_slug, names in CONSUMERS.items():
            for name in names:
                since = self.now - timedelta(days=self.rng.randint(20, 300))
                model = Model.objects.get(name=name)
                model_consumer_add(
                    team=self.org.teams[team_slug],
                    model=model,
                    since=since.date(),
                    actor=self.lead,
                    at=max(since, model.created_at),
                )
