"""Races on PostgreSQL: threads released together by a barrier, each with its own connection."""

import re
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import ModelArtifact, PromotionRequest
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


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_a_retirement_racing_a_promotion_to_production_leaves_one_consistent_outcome(
    world, attempt
):
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    world.sign_manual_items(retire, world.lead)
    promote = ready(world, staged(world))
    v2 = promote.artifact

    results, errors = race(
        [
            lambda: services.promotion_approve(request=retire, actor=world.lead),
            lambda: services.promotion_approve(request=promote, actor=world.gate),
        ]
    )

    # No deadlock (nor its concurrent_update translation): the two approvals queue.
    assert sum(r is not None for r in results) == 1, errors
    refusal = next(e for e in errors if e is not None)
    assert isinstance(refusal, Conflict), refusal
    statuses = dict(ModelArtifact.objects.filter(model=world.model).values_list("pk", "status"))
    retire.refresh_from_db()
    promote.refresh_from_db()
    if results[0] is not None:  # retired first: v2's request still expects v1 in production
        assert refusal.code == "production_changed"
        assert (statuses[v1.pk], statuses[v2.pk]) == (Stage.DEPRECATED, Stage.STAGING)
        assert (retire.state, promote.state) == (PromotionState.APPROVED, PromotionState.PENDING)
    else:  # promoted first: v1 was superseded and its retirement request withdrawn with it
        assert refusal.code == "already_decided"
        assert (statuses[v1.pk], statuses[v2.pk]) == (Stage.DEPRECATED, Stage.PRODUCTION)
        assert (retire.state, promote.state) == (PromotionState.WITHDRAWN, PromotionState.APPROVED)
        assert retire.decision_note == "superseded by v2"
    assert list(statuses.values()).count(Stage.PRODUCTION) <= 1
    transitions = AuditEvent.objects.filter(
        action=AuditAction.ARTIFACT_TRANSITIONED, artifact=v1, to_state=Stage.DEPRECATED
    )
    assert transitions.count() == 1


def test_a_withdrawal_holding_the_superseded_request_does_not_deadlock_a_promotion(
    world, monkeypatch
):
    """The withdrawal holds the retirement request and writes its audit row (which points at the
    model and v1) while the promotion holds the model and v1 and waits for that request."""
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    promote = ready(world, staged(world))
    holding = threading.Event()
    close = services._close

    def slow_close(request, *args):
        if threading.current_thread().name == "withdraw":
            holding.set()
            time.sleep(1.5)  # longer than PostgreSQL's deadlock_timeout (1 s)
        return close(request, *args)

    monkeypatch.setattr(services, "_close", slow_close)
    out = {}

    def run(name, call, after=None):
        try:
            if after is not None:
                after.wait(10)
            out[name] = call()
        except Exception as error:  # asserted on below
            out[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(
            name="withdraw",
            target=run,
            args=(
                "withdraw",
                lambda: services.promotion_withdraw(request=retire, actor=world.requester),
            ),
        ),
        threading.Thread(
            name="promote",
            target=run,
            args=(
                "promote",
                lambda: services.promotion_approve(request=promote, actor=world.gate),
                holding,
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(isinstance(o, Exception) for o in out.values()), out
    retire.refresh_from_db()
    assert (retire.state, retire.decided_by) == (PromotionState.WITHDRAWN, world.requester)
    assert (
        AuditEvent.objects.filter(promotion=retire)
        .filter(action=AuditAction.PROMOTION_WITHDRAWN)
        .count()
        == 1
    )
    assert ModelArtifact.objects.get(model=world.model, status=Stage.PRODUCTION) == promote.artifact


def locked_tables(call) -> list[str]:
    """The tables whose rows ``call`` locks, in the order it locks them."""
    with CaptureQueriesContext(connection) as queries:
        call()
    return [
        re.search(r'FROM "(\w+)"', query["sql"]).group(1)
        for query in queries
        if re.search(r"FOR (NO KEY )?UPDATE", query["sql"])
    ]


def test_every_approval_locks_the_model_then_the_request_then_versions(world):
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    promote = ready(world, staged(world))

    tables = locked_tables(lambda: services.promotion_approve(request=promote, actor=world.gate))

    assert tables == [
        "registry_model",
        "registry_promotionrequest",
        "registry_modelartifact",  # v2
        "registry_modelartifact",  # v1, leaving production
        "registry_promotionrequest",  # v1's retirement request, withdrawn with it
    ]
    retire.refresh_from_db()
    assert retire.state == PromotionState.WITHDRAWN

    retire_v2 = services.promotion_request(
        artifact=promote.artifact, to_stage="deprecated", actor=world.requester
    )
    world.sign_manual_items(retire_v2, world.lead)
    tables = locked_tables(lambda: services.promotion_approve(request=retire_v2, actor=world.lead))
    assert tables == ["registry_model", "registry_promotionrequest", "registry_modelartifact"]


@pytest.mark.parametrize("attempt", range(2))
def test_simultaneous_registrations_get_consecutive_versions(world, attempt):
    results, errors = race([lambda: world.register() for _ in range(6)])

    assert errors == [None] * 6
    assert sorted(a.version for a in results) == [1, 2, 3, 4, 5, 6]
    world.model.refresh_from_db()
    assert world.model.last_version == 6
