"""`manage.py seed_demo`: a realistic organisation, built through the services, idempotent."""

import random
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from mlteam.evals.latest import latest_results_rebuild
from mlteam.evals.models import EvalResult, LatestResult
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import HandoffProtocol, ModelArtifact, PromotionRequest
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, ModelConsumer, Role, Team, TeamInteraction
from mlteam.site.demo.scale import seed_scale
from tests.demo.conftest import row_counts, seed

pytestmark = pytest.mark.django_db


def test_seed_builds_every_stage_team_kind_and_orientation():
    seed()

    assert set(ModelArtifact.objects.values_list("status", flat=True)) == set(Stage.values)
    assert set(Team.objects.values_list("kind", flat=True)) == set(TeamKind.values)
    assert set(MLTeamMember.objects.values_list("orientation", flat=True)) == set(
        Orientation.values
    )
    assert 35 <= MLTeamMember.objects.count() <= 50
    assert ModelArtifact.objects.values("model").distinct().count() >= 25
    assert EvalResult.objects.values("benchmark").distinct().count() >= 6
    assert PromotionRequest.objects.filter(state=PromotionState.PENDING).count() >= 3
    assert PromotionRequest.objects.filter(state=PromotionState.REJECTED).exists()


def test_every_demo_stage_was_reached_through_an_approved_request():
    seed()
    for artifact in ModelArtifact.objects.exclude(status=Stage.EXPERIMENTAL):
        last = (
            AuditEvent.objects.filter(artifact=artifact, action=AuditAction.ARTIFACT_TRANSITIONED)
            .select_related("promotion")
            .order_by("-at", "-id")
            .first()
        )
        assert last is not None and last.to_state == artifact.status, artifact
        assert last.promotion.state == PromotionState.APPROVED
        assert last.promotion.decided_by_id != last.promotion.requested_by_id
        assert last.at < timezone.now()


def test_the_demo_audit_trail_shows_how_the_configuration_came_to_be():
    seed()
    added = AuditEvent.objects.filter(details__verb="added")
    protocol_events = added.filter(action=AuditAction.PROTOCOL_CHANGED)
    for protocol in HandoffProtocol.objects.prefetch_related("criteria"):
        event = protocol_events.get(details__object="handoff protocol", details__id=protocol.pk)
        assert event.actor.username == "lead" and event.at < timezone.now()
        for criterion in protocol.criteria.all():
            assert protocol_events.filter(
                details__object="gate criterion", details__id=criterion.pk
            ).exists()
    config = added.filter(action=AuditAction.CONFIG_CHANGED)
    assert config.filter(details__object="role").count() == Role.objects.count()
    assert config.filter(details__object="role", details__actor="system").exists()
    assert config.filter(details__object="team interaction").count() == (
        TeamInteraction.objects.count()
    )
    assert config.filter(details__object="model consumer").count() == (
        ModelConsumer.objects.count()
    )


def test_running_it_twice_changes_nothing():
    seed()
    before = row_counts()

    output = seed()

    assert "nothing changed" in output
    assert row_counts() == before


def sign_in_request():
    """Sign-ins go through the lockout check (django-axes), which needs the request."""
    return RequestFactory().post("/accounts/login/")


def test_demo_logins_exist_only_with_debug(settings):
    settings.DEBUG = False
    output = seed()
    assert "demo logins are disabled" in output
    assert authenticate(sign_in_request(), username="gatekeeper", password="mlteam-demo") is None


def test_demo_logins_work_with_debug(settings):
    settings.DEBUG = True
    output = seed()
    assert "password for all: mlteam-demo" in output
    gatekeeper = authenticate(sign_in_request(), username="gatekeeper", password="mlteam-demo")
    assert gatekeeper is not None and gatekeeper.member.role.name == "ML Production Engineer"


def test_scale_tops_up_the_bulk_registry_to_n():
    seed()
    now = timezone.now()

    added = seed_scale(10, evals_per_artifact=3, now=now, rng=random.Random(1))
    again = seed_scale(10, evals_per_artifact=3, now=now, rng=random.Random(1))

    bulk = ModelArtifact.objects.filter(model__name__startswith="scale-")
    assert (added, again, bulk.count()) == (10, 0, 10)
    assert EvalResult.objects.filter(artifact__in=bulk).count() == 30
    # Bulk rows skip eval_record, so the bulk writer fills the latest-result table itself.
    assert LatestResult.objects.filter(artifact__in=bulk).count() == 30
    written = set(LatestResult.objects.values_list("artifact_id", "benchmark_id", "result_id"))
    latest_results_rebuild(list(bulk.values_list("pk", flat=True)))  # recomputed from history
    assert set(LatestResult.objects.values_list("artifact_id", "benchmark_id", "result_id")) == (
        written
    )
    assert set(bulk.values_list("status", flat=True)) == {Stage.EXPERIMENTAL}
    assert (
        AuditEvent.objects.filter(artifact__in=bulk, action=AuditAction.ARTIFACT_REGISTERED).count()
        == 10
    )
    versions = sorted(
        bulk.filter(model__name="scale-model-000000").values_list("version", flat=True)
    )
    assert versions == [1, 2, 3, 4]


def test_measure_pages_times_every_sample_page_on_the_demo(settings):
    settings.DEBUG = True  # the demo's lead can sign in (and open the admin) only with DEBUG
    seed(scale=40)
    out = StringIO()
    call_command("measure_pages", "--repeat", "1", stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines()[1:]]
    assert len(rows) >= 20
    assert {row[0] for row in rows} == {"200"}, out.getvalue()
    leaderboards = [
        row for row in rows if row[-1].startswith("/benchmarks/") and row[-1] != "/benchmarks/"
    ]
    assert leaderboards and all(int(row[2]) > 0 for row in rows)


def test_measure_pages_needs_a_known_user():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("measure_pages", "--user", "nobody")


def test_seeded_experiments_and_cards_carry_the_dates_of_their_story():
    from mlteam.cards.models import ModelCard
    from mlteam.tracking.models import Experiment

    seed()
    today = timezone.now().date()
    started = set(Experiment.objects.values_list("created_at__date", flat=True))
    assert len(started) > 5  # not every experiment "started" on one day
    updated = [c.updated_at.date() for c in ModelCard.objects.all()]
    assert sum(1 for day in updated if day == today) < len(updated) / 2  # not all "updated today"


def test_the_retirement_gate_needs_two_approvals_and_one_retirement_waits_for_the_second():
    seed()
    retirement = HandoffProtocol.objects.get(name="Retirement")
    assert retirement.required_approvals == 2
    retired = PromotionRequest.objects.filter(protocol=retirement, state=PromotionState.APPROVED)
    assert retired.exists()
    for request in retired.prefetch_related("approvals"):
        approvers = {a.approver_id for a in request.approvals.all()}
        assert len(approvers) == 2 and request.requested_by_id not in approvers
    (waiting,) = PromotionRequest.objects.filter(protocol=retirement, state=PromotionState.PENDING)
    assert (waiting.required_approvals, waiting.approvals.count()) == (2, 1)
    assert AuditEvent.objects.filter(
        promotion=waiting, action=AuditAction.PROMOTION_APPROVAL_ADDED, summary__contains="1 of 2"
    ).exists()
