"""The lifecycle's invariants hold in the database itself, not only in Python."""

import math

import pytest
from django.db import IntegrityError, connection, transaction

from mlteam.evals.models import EvalResult
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import ModelArtifact, PromotionRequest
from mlteam.tracking.models import RunMetric
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


def test_an_orm_update_cannot_create_a_second_production_artifact(world):
    world.in_production()
    other = world.register()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelArtifact.objects.filter(pk=other.pk).update(status=Stage.PRODUCTION)
    assert ModelArtifact.objects.filter(model=world.model, status=Stage.PRODUCTION).count() == 1


def test_production_is_unique_per_model_not_globally(world):
    from mlteam.registry import services
    from tests.factories import ModelFactory

    world.in_production()
    other_model = ModelFactory(team=world.model.team)
    artifact = services.artifact_register(model=other_model, actor=world.owner)
    ModelArtifact.objects.filter(pk=artifact.pk).update(status=Stage.PRODUCTION)  # no error
    assert ModelArtifact.objects.filter(status=Stage.PRODUCTION).count() == 2


def test_version_numbers_are_unique_per_model(world):
    artifact = world.register()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelArtifact.objects.create(
            model=world.model,
            version=artifact.version,
            owner=world.owner,
            created_at=artifact.created_at,
            status_changed_at=artifact.created_at,
        )


def test_status_must_be_a_known_stage(world):
    artifact = world.register()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelArtifact.objects.filter(pk=artifact.pk).update(status="shipped")


def test_at_most_one_pending_request_per_artifact(world):
    from mlteam.registry import services

    request = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PromotionRequest.objects.create(
            artifact=request.artifact,
            protocol=request.protocol,
            from_stage="experimental",
            to_stage="staging",
            responsible_role=request.responsible_role,
            requested_by=world.owner,
            requested_at=request.requested_at,
        )


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_eval_values_must_be_finite(world, value):
    artifact = world.register()
    with pytest.raises(IntegrityError), transaction.atomic():
        EvalResult.objects.create(
            artifact=artifact, benchmark=world.safety, value=value, recorded_at=artifact.created_at
        )
    assert not EvalResult.objects.exists()


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_run_metric_values_must_be_finite(value):
    run = RunFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RunMetric.objects.create(run=run, key="loss", step=1, value=value, logged_at=run.started_at)


def test_large_finite_values_are_fine(world):
    artifact = world.register()
    EvalResult.objects.create(
        artifact=artifact, benchmark=world.safety, value=1e300, recorded_at=artifact.created_at
    )


def test_audit_events_refuse_updates_and_deletes_through_the_model(world):
    world.register()
    event = AuditEvent.objects.get()
    event.summary = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    event.refresh_from_db()
    assert event.summary != "rewritten"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE registry_auditevent SET summary = 'rewritten'",
        "DELETE FROM registry_auditevent",
        "TRUNCATE registry_auditevent CASCADE",
    ],
)
def test_postgres_trigger_refuses_update_delete_truncate(world, statement):
    from django.db.utils import DatabaseError

    world.register()
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test connection opts in to TRUNCATE for teardown; opt out for this statement.
        cursor.execute("SET LOCAL mlteam.allow_audit_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
        cursor.execute(statement)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(summary="rewritten").exists()


@pytest.mark.postgres
def test_queryset_update_of_audit_rows_is_refused_on_postgres(world):
    from django.db.utils import DatabaseError

    world.register()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(summary="rewritten")
