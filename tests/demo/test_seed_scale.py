"""`seed_demo --scale N`: the bulk registry's rows, pinned on a small scale, and idempotent."""

import pytest
from django.db import IntegrityError, connection, transaction

from mlteam.cards.models import ModelCard
from mlteam.evals.latest import latest_results_rebuild
from mlteam.evals.models import Benchmark, EvalResult, LatestResult
from mlteam.kernel.audit_chain import audit_seal, audit_verify
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.site.demo.bulk import keys_and_indexes_after
from tests.demo.conftest import row_counts, seed

pytestmark = pytest.mark.django_db


def latest_rows() -> set[tuple]:
    return set(
        LatestResult.objects.values_list(
            "artifact_id", "benchmark_id", "result_id", "value", "recorded_at"
        )
    )


def test_scale_adds_each_versions_rows_and_running_it_again_changes_nothing():
    seed()
    before = row_counts()

    assert "added 200 artifacts (2000 eval results)" in seed(scale=200)
    after = row_counts()
    assert "added 0 artifacts" in seed(scale=200)

    assert row_counts() == after
    pairs = min(10, Benchmark.objects.count())  # results cycle over the first ten benchmarks
    added = {
        label: after[label] - before[label] for label in after if after[label] != before[label]
    }
    assert added == {
        Model._meta.label: 50,
        ModelArtifact._meta.label: 200,
        ModelCard._meta.label: 200,
        StageTransition._meta.label: 200,
        AuditEvent._meta.label: 200,
        EvalResult._meta.label: 2000,
        LatestResult._meta.label: 200 * pairs,
    }


def test_every_bulk_version_has_its_card_history_audit_event_and_latest_results():
    seed(scale=200)
    bulk = ModelArtifact.objects.filter(model__name__startswith="scale-").select_related(
        "owner", "model", "card"
    )
    transitions = {t.artifact_id: t for t in StageTransition.objects.filter(artifact__in=bulk)}
    events = {
        e.artifact_id: e
        for e in AuditEvent.objects.filter(
            artifact__in=bulk, action=AuditAction.ARTIFACT_REGISTERED
        )
    }
    for artifact in bulk:
        assert artifact.status == Stage.EXPERIMENTAL
        assert artifact.card.summary == "Bulk model for load testing."
        step = transitions[artifact.pk]
        assert (step.from_stage, step.to_stage, step.at) == (
            "",
            Stage.EXPERIMENTAL,
            artifact.created_at,
        )
        event = events[artifact.pk]
        assert (event.actor_id, event.model_id, event.at) == (
            artifact.owner.user_id,
            artifact.model_id,
            artifact.created_at,
        )
        assert event.summary == (
            f"{artifact.owner} registered {artifact.model.name} v{artifact.version} (bulk)"
        )
    # Bulk results skip eval_record; what the seed wrote is what history gives.
    written = latest_rows()
    latest_results_rebuild(list(bulk.values_list("pk", flat=True)))
    assert latest_rows() == written


def test_bulk_audit_events_are_sealed_like_any_other():
    seed(scale=40)
    unsealed = AuditEvent.objects.filter(seal__isnull=True).count()

    assert audit_seal().sealed == unsealed
    assert audit_verify().ok


def catalogue() -> set[tuple]:
    """The keys and indexes of the bulk-loaded tables, as PostgreSQL describes them."""
    tables = [EvalResult._meta.db_table, LatestResult._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(%s)"
            " UNION SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [tables, tables],
        )
        return set(cursor.fetchall())


@pytest.mark.postgres
def test_on_postgresql_the_seed_leaves_the_keys_and_indexes_as_the_migrations_made_them():
    seed()
    made = catalogue()
    seed(scale=200)  # adds more results than the demo has: keys and indexes are rebuilt
    assert catalogue() == made


@pytest.mark.postgres
def test_on_postgresql_a_row_breaking_a_key_fails_the_load_and_the_keys_come_back():
    made = catalogue()
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        keys_and_indexes_after(EvalResult, adding=1),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO evals_evalresult (artifact_id, benchmark_id, value, recorded_at, note)"
            " VALUES (-1, -1, 0.5, now(), '')"
        )
    assert catalogue() == made
