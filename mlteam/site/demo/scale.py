"""``seed_demo --scale N``: a large registry for measuring pages and the API.

Rows are bulk-inserted for speed (N=100,000 artifacts with 10 results each). Bulk versions are
all ``experimental``: only an approved promotion may move a version, and bulk data skips that.
Each registration still gets its audit event and the first step of its stage history
(StageTransition), so the audit trail and the history stay complete.
"""

import random
from datetime import datetime, timedelta

from django.db import connection, transaction

from mlteam.cards.models import ModelCard
from mlteam.evals.models import Benchmark, EvalResult, LatestResult
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.roster.enums import TeamKind
from mlteam.roster.models import MLTeamMember, Team

PREFIX = "scale-"
VERSIONS_PER_MODEL = 4
BATCH = 5000
TASKS = ["text-classification", "ranking", "summarization", "embedding", "text-generation"]


def existing_scale_artifacts() -> int:
    return ModelArtifact.objects.filter(model__name__startswith=PREFIX).count()


def seed_scale(target: int, *, evals_per_artifact: int, now: datetime, rng: random.Random) -> int:
    """Top the bulk registry up to ``target`` artifacts; returns how many were added."""
    missing = target - existing_scale_artifacts()
    if missing <= 0:
        return 0
    teams = list(Team.objects.filter(kind__in=[TeamKind.ML, TeamKind.HYBRID]))
    owners = {t.pk: list(MLTeamMember.objects.filter(team=t, left_on__isnull=True)) for t in teams}
    teams = [t for t in teams if owners[t.pk]]
    benchmarks = list(Benchmark.objects.order_by("slug")[:evals_per_artifact])
    start = Model.objects.filter(name__startswith=PREFIX).count()
    added = 0
    with transaction.atomic():
        while added < missing:
            chunk = min(BATCH, missing - added)
            added += _insert_chunk(
                start, chunk, teams, owners, benchmarks, evals_per_artifact, now, rng
            )
            start += -(-chunk // VERSIONS_PER_MODEL)
    return added


def _insert_chunk(start, count, teams, owners, benchmarks, evals_per_artifact, now, rng) -> int:
    n_models = -(-count // VERSIONS_PER_MODEL)
    models = Model.objects.bulk_create(
        Model(
            name=f"{PREFIX}model-{start + i:06d}",
            team=teams[(start + i) % len(teams)],
            task=TASKS[(start + i) % len(TASKS)],
            description="Bulk model for load testing.",
            last_version=min(VERSIONS_PER_MODEL, count - i * VERSIONS_PER_MODEL),
        )
        for i in range(n_models)
    )
    if models[0].pk is None:  # backends that do not return ids from bulk inserts
        models = list(Model.objects.filter(name__startswith=PREFIX).order_by("-id")[:n_models])[
            ::-1
        ]
    artifacts = []
    for model in models:
        for version in range(1, model.last_version + 1):
            at = now - timedelta(minutes=rng.randint(60, 60 * 24 * 300))
            artifacts.append(
                ModelArtifact(
                    model=model,
                    version=version,
                    status=Stage.EXPERIMENTAL,
                    owner=rng.choice(owners[model.team_id]),
                    created_at=at,
                    status_changed_at=at,
                    artifact_uri=f"s3://mlteam-models/{model.name}/v{version}/",
                )
            )
    artifacts = ModelArtifact.objects.bulk_create(artifacts)
    ModelCard.objects.bulk_create(
        ModelCard(artifact=a, summary=a.model.description) for a in artifacts
    )
    StageTransition.objects.bulk_create(
        StageTransition(artifact=a, model=a.model, to_stage=Stage.EXPERIMENTAL, at=a.created_at)
        for a in artifacts
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=a.created_at,
            actor_id=a.owner.user_id,
            action=AuditAction.ARTIFACT_REGISTERED,
            summary=f"{a.owner} registered {a.model.name} v{a.version} (bulk)",
            to_state=Stage.EXPERIMENTAL,
            model=a.model,
            artifact=a,
        )
        for a in artifacts
    )
    rows = []
    for artifact in artifacts:
        for index in range(evals_per_artifact):
            benchmark = benchmarks[index % len(benchmarks)]
            at = artifact.created_at + timedelta(hours=index + 1)
            rows.append(
                (artifact.pk, benchmark.pk, round(rng.random(), 4), artifact.owner_id, at, "")
            )
    ids = _insert_rows(EvalResult, RESULT_COLUMNS, rows, returning=True)
    # Bulk rows skip eval_record: write their LatestResult rows here. The new versions have no
    # other results, so each pair's latest is its newest row of this chunk (later id on a tie).
    latest: dict[tuple[int, int], tuple] = {}
    for pk, (artifact_id, benchmark_id, value, _, at, _) in zip(ids, rows, strict=True):
        held = latest.get((artifact_id, benchmark_id))
        if held is None or (at, pk) > (held[4], held[2]):
            latest[artifact_id, benchmark_id] = (artifact_id, benchmark_id, pk, value, at)
    _insert_rows(LatestResult, LATEST_COLUMNS, list(latest.values()))
    return len(artifacts)


RESULT_COLUMNS = ["artifact_id", "benchmark_id", "value", "recorded_by_id", "recorded_at", "note"]
LATEST_COLUMNS = ["artifact_id", "benchmark_id", "result_id", "value", "recorded_at"]
ROWS_PER_STATEMENT = 1000  # at most 6,000 parameters: under SQLite's limit, few round trips


def _insert_rows(model, columns: list[str], rows: list[tuple], returning=False) -> list[int]:
    """Insert plain tuples (``recorded_at`` last-but-one or last column is prepared for the
    database): ten results per artifact are the bulk of the seed, and building a model
    instance per row cost more than the database's work. Returns the new ids if asked
    (in VALUES order, as Django's own bulk_create relies on)."""
    quote = connection.ops.quote_name
    at_index = columns.index("recorded_at")
    field = model._meta.get_field("recorded_at")
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    suffix = " RETURNING id" if returning else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            batch = rows[start : start + ROWS_PER_STATEMENT]
            params = []
            for row in batch:
                row = list(row)
                row[at_index] = field.get_db_prep_save(row[at_index], connection)
                params += row
            cursor.execute(sql + ", ".join([one] * len(batch)) + suffix, params)
            if returning:
                ids += [pk for (pk,) in cursor.fetchall()]
    return ids
