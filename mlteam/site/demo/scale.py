"""``seed_demo --scale N``: a large registry for measuring pages and the API.

Rows are bulk-written for speed (N=100,000 artifacts with 10 results each; ``demo.bulk``: COPY on
PostgreSQL). Bulk versions are all ``experimental``: only an approved promotion may move a
version, and bulk data skips that. Each registration still gets its card, its audit event and
the first step of its stage history (StageTransition), so the audit trail and the history stay
complete; bulk results skip ``eval_record``, so their LatestResult rows are written here too.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.evals.models import Benchmark, EvalResult, LatestResult
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.roster.enums import TeamKind
from mlteam.roster.models import MLTeamMember, Team
from mlteam.site.demo.bulk import BulkTable, BulkWriter, keys_and_indexes_after

PREFIX = "scale-"
VERSIONS_PER_MODEL = 4
BATCH = 5000  # artifacts per chunk (and per draw of random numbers: keep it, or the data changes)
TASKS = ["text-classification", "ranking", "summarization", "embedding", "text-generation"]


def existing_scale_artifacts() -> int:
    return ModelArtifact.objects.filter(model__name__startswith=PREFIX).count()


def seed_scale(target: int, *, evals_per_artifact: int, now: datetime, rng: random.Random) -> int:
    """Top the bulk registry up to ``target`` artifacts; returns how many were added."""
    missing = target - existing_scale_artifacts()
    if missing <= 0:
        return 0
    teams = Team.objects.filter(kind__in=[TeamKind.ML, TeamKind.HYBRID])
    owners = {
        team.pk: [
            (m.pk, m.user_id, str(m))
            for m in MLTeamMember.objects.filter(team=team, left_on__isnull=True)
        ]
        for team in teams
    }
    benchmarks = list(
        Benchmark.objects.order_by("slug").values_list("pk", flat=True)[:evals_per_artifact]
    )
    bulk = _Bulk(
        teams=[pk for pk, members in owners.items() if members],
        owners=owners,
        benchmarks=benchmarks,
        evals_per_artifact=evals_per_artifact,
        now=now,
        rng=rng,
    )
    start = Model.objects.filter(name__startswith=PREFIX).count()
    added = 0
    adding = missing * evals_per_artifact
    with transaction.atomic(), keys_and_indexes_after(EvalResult, LatestResult, adding=adding):
        while added < missing:
            chunk = min(BATCH, missing - added)
            added += bulk.insert_chunk(start, chunk)
            start += -(-chunk // VERSIONS_PER_MODEL)
    _analyze(Model, ModelArtifact, ModelCard, StageTransition, AuditEvent, EvalResult, LatestResult)
    return added


def _analyze(*models) -> None:
    """Fresh planner statistics on PostgreSQL, so pages measured right after the seed are not
    planned for the tables as they were before it (autovacuum gets there only later)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


@dataclass
class _Bulk:
    teams: list[int]
    owners: dict[int, list[tuple[int, int, str]]]  # team -> (member, user, name) of members
    benchmarks: list[int]
    evals_per_artifact: int
    now: datetime
    rng: random.Random
    writer: BulkWriter = field(default_factory=BulkWriter)

    def __post_init__(self):
        inserted_at = timezone.now()
        self.models = BulkTable(
            Model,
            ["id", "name", "team_id", "task", "last_version"],
            description="Bulk model for load testing.",
            created_at=inserted_at,
            updated_at=inserted_at,
        )
        self.artifacts = BulkTable(
            ModelArtifact,
            [
                "id",
                "model_id",
                "version",
                "owner_id",
                "created_at",
                "status_changed_at",
                "artifact_uri",
            ],
            status=Stage.EXPERIMENTAL,
        )
        self.cards = BulkTable(ModelCard, ["artifact_id", "summary"], updated_at=inserted_at)
        self.transitions = BulkTable(
            StageTransition, ["artifact_id", "model_id", "at"], to_stage=Stage.EXPERIMENTAL
        )
        self.events = BulkTable(
            AuditEvent,
            ["at", "actor_id", "summary", "model_id", "artifact_id"],
            action=AuditAction.ARTIFACT_REGISTERED,
            to_state=Stage.EXPERIMENTAL,
        )
        self.results = BulkTable(
            EvalResult,
            ["id", "artifact_id", "benchmark_id", "value", "recorded_by_id", "recorded_at"],
        )
        self.latest = BulkTable(
            LatestResult, ["artifact_id", "benchmark_id", "result_id", "value", "recorded_at"]
        )
        # Result ``index`` of a version is on benchmark ``index % len`` and an hour after the
        # one before, so each pair's latest is the last index on its benchmark (listed in
        # benchmark order, as the dict keeps its keys in first-seen order).
        count = len(self.benchmarks)
        self.latest_indexes = list({i % count: i for i in range(self.evals_per_artifact)}.values())

    def insert_chunk(self, start: int, count: int) -> int:
        n_models = -(-count // VERSIONS_PER_MODEL)
        models = []
        for i, pk in enumerate(self.writer.reserve_ids(Model, n_models)):
            number = start + i
            versions = min(VERSIONS_PER_MODEL, count - i * VERSIONS_PER_MODEL)
            team = self.teams[number % len(self.teams)]
            models.append(
                (pk, f"{PREFIX}model-{number:06d}", team, TASKS[number % len(TASKS)], versions)
            )
        self.writer.write(self.models, models)

        artifacts = []  # (id, model, version, owner, at, at, uri)
        registrations = []  # (the owner's user, the audit summary) of each artifact
        ids = iter(self.writer.reserve_ids(ModelArtifact, count))
        rng = self.rng
        for model_id, name, team, _, versions in models:
            for version in range(1, versions + 1):
                at = self.now - timedelta(minutes=rng.randint(60, 60 * 24 * 300))
                member, user, member_name = rng.choice(self.owners[team])
                uri = f"s3://mlteam-models/{name}/v{version}/"
                artifacts.append((next(ids), model_id, version, member, at, at, uri))
                registrations.append((user, f"{member_name} registered {name} v{version} (bulk)"))
        self.writer.write(self.artifacts, artifacts)
        self.writer.write(self.cards, ((a[0], "Bulk model for load testing.") for a in artifacts))
        self.writer.write(self.transitions, ((a[0], a[1], a[4]) for a in artifacts))
        self.writer.write(
            self.events,
            (
                (a[4], user, summary, a[1], a[0])
                for a, (user, summary) in zip(artifacts, registrations, strict=True)
            ),
        )
        self._insert_results(artifacts)
        return len(artifacts)

    def _insert_results(self, artifacts: list[tuple]) -> None:
        per_artifact = self.evals_per_artifact
        if not per_artifact:
            return
        ids = self.writer.reserve_ids(EvalResult, len(artifacts) * per_artifact)
        benchmarks = [self.benchmarks[i % len(self.benchmarks)] for i in range(per_artifact)]
        offsets = [timedelta(hours=i + 1) for i in range(per_artifact)]
        random_value = self.rng.random
        results = []
        for n, (artifact, _, _, owner, created_at, _, _) in enumerate(artifacts):
            first = n * per_artifact
            for index in range(per_artifact):
                results.append(
                    (
                        ids[first + index],
                        artifact,
                        benchmarks[index],
                        round(random_value(), 4),
                        owner,
                        created_at + offsets[index],
                    )
                )
        self.writer.write(self.results, results)
        latest = (
            (row[1], row[2], row[0], row[3], row[5])
            for first in range(0, len(results), per_artifact)
            for row in (results[first + index] for index in self.latest_indexes)
        )
        self.writer.write(self.latest, latest)
