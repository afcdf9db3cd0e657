"""Races on PostgreSQL: threads released together by a barrier, each with its own connection."""

import threading

import pytest
from django.db import connection

from mlteam.core.errors import Conflict
from mlteam.registry import services
from mlteam.registry.enums import AuditAction, Stage
from mlteam.registry.models import AuditEvent, ModelArtifact, PromotionRequest
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPEATS = 5


def race(calls):
    """Run every call at the same moment; return (results, errors) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # collected and asserted on by the test
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def staged(world):
    artifact = world.register()
    world.passing_evals(artifact)
    return world.move(artifact, Stage.STAGING)


def ready(world, artifact):
    request = services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )
    world.sign_manual_items(request, world.gate)
    return request


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_simultaneous_approvals_of_one_request_leave_one_winner(world, attempt):
    approvers = [world.gate, world.gate2] + [
        MemberFactory(role=world.gate.role, team=world.gate.team) for _ in range(3)
    ]
    request = ready(world, staged(world))

    results, errors = race(
        [lambda a=a: services.promotion_approve(request=request, actor=a) for a in approvers]
    )

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    refusals = [e for e in errors if e is not None]
    assert len(refusals) == len(approvers) - 1
    assert all(isinstance(e, Conflict) and e.code == "already_decided" for e in refusals), refusals
    request.refresh_from_db()
    assert request.state == "approved" and request.decided_by == winners[0].decided_by
    assert (
        AuditEvent.objects.filter(promotion=request, action=AuditAction.PROMOTION_APPROVED).count()
        == 1
    )
    assert (
        AuditEvent.objects.filter(
            promotion=request, action=AuditAction.ARTIFACT_TRANSITIONED
        ).count()
        == 1
    )


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_two_promotions_to_production_of_one_model_leave_one_production(world, attempt):
    world.in_production()
    first, second = ready(world, staged(world)), ready(world, staged(world))

    results, errors = race(
        [
            lambda: services.promotion_approve(request=first, actor=world.gate),
            lambda: services.promotion_approve(request=second, actor=world.gate2),
        ]
    )

    assert sum(r is not None for r in results) == 1
    refusal = next(e for e in errors if e is not None)
    assert isinstance(refusal, Conflict) and refusal.code in {
        "production_changed",
        "production_conflict",
    }
    production = ModelArtifact.objects.filter(model=world.model, status=Stage.PRODUCTION)
    assert production.count() == 1
    winner = PromotionRequest.objects.get(state="approved", pk__in=[first.pk, second.pk])
    assert production.get() == winner.artifact
    # No lost audit rows: every stage change has exactly one transition event.
    transitions = AuditEvent.objects.filter(
        action=AuditAction.ARTIFACT_TRANSITIONED, model=world.model
    )
    assert transitions.filter(to_state=Stage.DEPRECATED).count() == 1
    assert transitions.filter(to_state=Stage.PRODUCTION).count() == 2
    statuses = sorted(
        ModelArtifact.objects.filter(model=world.model).values_list("status", flat=True)
    )
    assert statuses == [Stage.DEPRECATED, Stage.PRODUCTION, Stage.STAGING]


@pytest.mark.parametrize("attempt", range(2))
def test_simultaneous_registrations_get_consecutive_versions(world, attempt):
    results, errors = race([lambda: world.register() for _ in range(6)])

    assert errors == [None] * 6
    assert sorted(a.version for a in results) == [1, 2, 3, 4, 5, 6]
    world.model.refresh_from_db()
    assert world.model.last_version == 6
