"""Typed history: the stage history of every version (StageTransition) and each team's target
band over time (OrientationTargetChange) are written by the services, backfilled from the audit
trail by migrations registry 0007 / roster 0002, and equal what replaying the audit trail gives.

The replay functions below are copies of the selectors as they read the audit JSON before the
typed tables existed; they live here, in the test, as the reference the tables must match.
"""

import importlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.card_selectors import production_history, stage_history
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.registry.selectors import model_production_at
from mlteam.roster import services as roster_services
from mlteam.roster.models import OrientationTargetChange, Team
from mlteam.roster.selectors import history_points, target_bands
from tests.factories import ModelFactory, TeamFactory
from tests.registry.conftest import build_world

registry_0007 = importlib.import_module("mlteam.registry.migrations.0007_stage_history")
roster_0002 = importlib.import_module("mlteam.roster.migrations.0002_target_history")

BEFORE = [
    ("registry", "0006_move_auditevent_to_kernel"),
    ("roster", "0001_initial"),
    ("kernel", "0001_initial"),
]


# --- The audit-trail replay, as the selectors did it before the typed tables ----------------


def replay_production_at(model, at):
    last = (
        AuditEvent.objects.filter(model=model, action=AuditAction.ARTIFACT_TRANSITIONED, at__lte=at)
        .filter(Q(to_state=Stage.PRODUCTION) | Q(from_state=Stage.PRODUCTION))
        .select_related("artifact__model")
        .order_by("-at", "-id")
        .first()
    )
    if last is None or last.to_state != Stage.PRODUCTION:
        return None
    return last.artifact


def replay_production_history(model) -> list[tuple]:
    events = (
        AuditEvent.objects.filter(model=model, action=AuditAction.ARTIFACT_TRANSITIONED)
        .filter(Q(to_state=Stage.PRODUCTION) | Q(from_state=Stage.PRODUCTION))
        .order_by("at", "id")
    )
    spells, open_spells = [], {}
    for event in events:
        if event.to_state == Stage.PRODUCTION:
            open_spells[event.artifact_id] = [event.artifact_id, event.at, None]
            spells.append(open_spells[event.artifact_id])
        elif event.artifact_id in open_spells:
            open_spells.pop(event.artifact_id)[2] = event.at
    return [tuple(spell) for spell in spells[::-1]]


def replay_stage_history(artifact) -> list[tuple]:
    """(at, registered?, stage, reason) per step, as the card page showed them."""
    actions = [AuditAction.ARTIFACT_REGISTERED, AuditAction.ARTIFACT_TRANSITIONED]
    events = AuditEvent.objects.filter(artifact=artifact, action__in=actions).order_by("at", "id")
    return [
        (
            event.at,
            event.action == AuditAction.ARTIFACT_REGISTERED,
            Stage.EXPERIMENTAL
            if event.action == AuditAction.ARTIFACT_REGISTERED
            else event.to_state,
            event.details.get("reason", ""),
        )
        for event in events
    ]


def replay_target_bands(points, teams) -> dict[int, list]:
    def band_of(details):
        if details.get("removed"):
            return None
        share, tolerance = float(details["target_research_share"]), float(details["tolerance"])
        return max(0.0, share - tolerance), min(1.0, share + tolerance)

    changes = defaultdict(list)
    events = AuditEvent.objects.filter(
        action=AuditAction.TARGET_SET, team__in=teams, at__lte=points[-1]
    ).order_by("at", "id")
    for team_id, at, details in events.values_list("team_id", "at", "details"):
        changes[team_id].append((at, band_of(details)))
    bands = {}
    for team in teams:
        target = getattr(team, "orientation_target", None)
        if not changes[team.pk]:
            band = (target.low, target.high) if target is not None else None
            bands[team.pk] = [band] * len(points)
            continue
        line, current, pending = [], None, iter(changes[team.pk])
        upcoming = next(pending, None)
        for point in points:
            while upcoming is not None and upcoming[0] <= point:
                current, upcoming = upcoming[1], next(pending, None)
            line.append(current)
        bands[team.pk] = line
    return bands


# --- A history built through the services at past dates --------------------------------------


@dataclass
class History:
    start: object
    end: object
    models: list
    artifacts: list
    teams: list

    def moments(self) -> list:
        """Every half day across the history, plus each recorded moment and just before it."""
        moments = [self.start + timedelta(hours=12 * i) for i in range(-2, 2 * 40)]
        recorded = StageTransition.objects.values_list("at", flat=True)
        return moments + [m + d for m in recorded for d in (timedelta(0), -timedelta(seconds=1))]


def build_history() -> History:
    world = build_world()
    start = timezone.now() - timedelta(days=60)

    def day(n):
        return start + timedelta(days=n)

    def move(artifact, stage, signer, when):
        request = services.promotion_request(
            artifact=artifact, to_stage=stage, actor=world.requester, at=when
        )
        world.sign_manual_items(request, signer)
        services.promotion_approve(request=request, actor=signer, at=when)

    other = ModelFactory(name="ranker", team=world.model.team)
    v1, v2, v3 = (world.register(at=day(n)) for n in (0, 1, 2))
    r1, r2 = (services.artifact_register(model=other, actor=world.owner, at=day(n)) for n in (3, 4))
    for artifact in (v1, v2, v3, r1, r2):
        world.passing_evals(artifact)
    move(v1, Stage.STAGING, world.evaluator, day(5))
    move(v1, Stage.PRODUCTION, world.gate, day(6))
    move(v2, Stage.STAGING, world.evaluator, day(8))
    move(v2, Stage.PRODUCTION, world.gate, day(10))  # v1 deprecated, superseded by v2
    move(v1, Stage.PRODUCTION, world.gate, day(14))  # rollback: v2 deprecated, superseded by v1
    move(v1, Stage.DEPRECATED, world.lead, day(20))  # retired: nothing in production
    move(v3, Stage.STAGING, world.evaluator, day(22))
    move(r1, Stage.STAGING, world.evaluator, day(7))
    move(r1, Stage.PRODUCTION, world.gate, day(9))
    move(r2, Stage.STAGING, world.evaluator, day(12))
    move(r2, Stage.PRODUCTION, world.gate, day(12) + timedelta(hours=3))
    move(r2, Stage.DEPRECATED, world.lead, day(30))

    team, steady, unset = world.model.team, TeamFactory(name="Steady"), TeamFactory(name="Unset")
    target = roster_services.orientation_target_set
    target(team=team, target_share=0.5, tolerance="0.1", actor=SYSTEM, at=day(1))
    target(team=team, target_share="0.35", tolerance="0.05", actor=SYSTEM, at=day(11))
    roster_services.orientation_target_remove(team=team, actor=SYSTEM, at=day(18))
    target(team=team, target_share=0.9, tolerance=0.2, actor=SYSTEM, at=day(25))  # clipped at 1
    target(team=steady, target_share=0.3, actor=SYSTEM, at=day(3))
    target(team=unset, target_share=0.6, actor=SYSTEM, at=day(2))
    roster_services.orientation_target_remove(team=unset, actor=SYSTEM, at=day(4))
    return History(
        start=start,
        end=day(40),
        models=[world.model, other],
        artifacts=[v1, v2, v3, r1, r2],
        teams=[team, steady, unset],
    )


def transition_rows() -> list[tuple]:
    return list(
        StageTransition.objects.order_by("id").values_list(
            "artifact_id",
            "model_id",
            "from_stage",
            "to_stage",
            "at",
            "request_id",
            "superseded_by_id",
        )
    )


def target_rows() -> list[tuple]:
    return list(
        OrientationTargetChange.objects.order_by("id").values_list(
            "team_id", "at", "target_research_share", "tolerance", "removed"
        )
    )


def assert_tables_equal_the_replay(history: History) -> None:
    for model in history.models:
        for moment in history.moments():
            assert model_production_at(model, moment) == replay_production_at(model, moment), (
                model,
                moment,
            )
        spells = [(s.artifact.pk, s.start, s.end) for s in production_history(model)]
        assert spells == replay_production_history(model)
    for artifact in history.artifacts:
        steps = [(s.at, s.is_registration, s.to_stage, s.reason) for s in stage_history(artifact)]
        assert steps == replay_stage_history(artifact)
    teams = list(
        Team.objects.select_related("orientation_target")
        .filter(pk__in=[t.pk for t in history.teams])
        .order_by("name")
    )
    points = history_points(history.end, months=3, step_days=1)
    assert target_bands(points, teams) == replay_target_bands(points, teams)


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_services_write_the_history_the_audit_trail_replays():
    history = build_history()
    v1, v2, _, r1, _ = history.artifacts
    model = history.models[0]

    # The engine wrote one row per registration and per stage change, in the same transactions.
    assert (
        StageTransition.objects.count()
        == AuditEvent.objects.filter(
            action__in=[AuditAction.ARTIFACT_REGISTERED, AuditAction.ARTIFACT_TRANSITIONED]
        ).count()
    )
    assert [
        (t.from_stage, t.to_stage, t.superseded_by)
        for t in StageTransition.objects.filter(artifact=v1)
    ] == [
        ("", Stage.EXPERIMENTAL, None),
        (Stage.EXPERIMENTAL, Stage.STAGING, None),
        (Stage.STAGING, Stage.PRODUCTION, None),
        (Stage.PRODUCTION, Stage.DEPRECATED, v2),
        (Stage.DEPRECATED, Stage.PRODUCTION, None),
        (Stage.PRODUCTION, Stage.DEPRECATED, None),
    ]
    rollback = StageTransition.objects.get(artifact=v2, from_stage=Stage.PRODUCTION)
    assert (rollback.superseded_by, rollback.request.artifact) == (v1, v1)
    assert rollback.reason == "superseded by v1"
    assert model_production_at(model, history.start + timedelta(days=12)) == v2
    assert model_production_at(model, history.start + timedelta(days=15)) == v1
    assert model_production_at(model) is None
    assert model_production_at(history.models[1], history.start + timedelta(days=10)) == r1
    assert OrientationTargetChange.objects.filter(removed=True).count() == 2
    assert (
        OrientationTargetChange.objects.count()
        == AuditEvent.objects.filter(action=AuditAction.TARGET_SET).count()
    )

    assert_tables_equal_the_replay(history)


@pytest.mark.django_db
def test_the_backfill_equals_the_replay():
    history = build_history()
    written = transition_rows(), target_rows()
    StageTransition.objects.all().delete()
    OrientationTargetChange.objects.all().delete()

    registry_0007.backfill_stage_history(django_apps, None)
    roster_0002.backfill_target_history(django_apps, None)

    assert (transition_rows(), target_rows()) == written
    assert_tables_equal_the_replay(history)


@pytest.mark.django_db
def test_backfill_of_an_empty_trail_writes_nothing():
    registry_0007.backfill_stage_history(django_apps, None)
    roster_0002.backfill_target_history(django_apps, None)

    assert not StageTransition.objects.exists()
    assert not OrientationTargetChange.objects.exists()


@pytest.mark.django_db
def test_backfill_leaves_out_events_that_record_no_change(world):
    artifact = world.register()
    team, at = world.model.team, timezone.now()
    for from_state, to_state in (("experimental", "limbo"), ("staging", "staging")):
        AuditEvent.objects.create(
            at=at,
            action=AuditAction.ARTIFACT_TRANSITIONED,
            summary="odd",
            from_state=from_state,
            to_state=to_state,
            artifact=artifact,
            model=artifact.model,
        )
    for details in ({"n": 1}, {"target_research_share": "1.5", "tolerance": "0.1"}):
        AuditEvent.objects.create(
            at=at, action=AuditAction.TARGET_SET, summary="odd", details=details, team=team
        )
    StageTransition.objects.all().delete()

    registry_0007.backfill_stage_history(django_apps, None)
    roster_0002.backfill_target_history(django_apps, None)

    assert [(t.artifact, t.from_stage, t.to_stage) for t in StageTransition.objects.all()] == [
        (artifact, "", Stage.EXPERIMENTAL)
    ]
    assert not OrientationTargetChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_backfills_the_typed_tables():
    history = build_history()
    written = transition_rows(), target_rows()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        tables = connection.introspection.table_names()
        assert "registry_stagetransition" not in tables
        assert "roster_orientationtargetchange" not in tables
        assert old.get_model("kernel", "AuditEvent").objects.count() == AuditEvent.objects.count()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert (transition_rows(), target_rows()) == written
    assert_tables_equal_the_replay(history)
    assert ModelArtifact.objects.count() == 5 and Model.objects.count() == 2
