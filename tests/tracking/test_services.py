"""Experiment and run writes, with the team rule and every validation."""

import pytest

from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, RunMetric
from mlteam.tracking.services import experiment_create, run_finish, run_log_metrics, run_start


@pytest.fixture
def experiment(world):
    return experiment_create(
        name="LoRA vs full fine-tuning", team=world.team, owner=world.owner, hypothesis="LoRA wins"
    )


def test_a_run_lives_through_its_lifecycle(world, experiment):
    run = run_start(
        experiment=experiment,
        name="lora-r16",
        actor=world.requester,
        params={"rank": 16},
        tags=["lora"],
        git_commit="abc1234",
    )
    run_log_metrics(
        run=run, key="loss", values=[(0, 2.0), (100, 1.5), (200, 1.1)], actor=world.owner
    )
    run_finish(run=run, status=RunStatus.FINISHED, actor=world.requester)

    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED and run.ended_at is not None
    assert list(run.metrics.values_list("step", "value")) == [(0, 2.0), (100, 1.5), (200, 1.1)]


def test_only_the_team_or_an_ml_lead_writes(world, experiment):
    with pytest.raises(NotAllowed):
        experiment_create(name="Mine", team=world.team, owner=world.outsider)
    with pytest.raises(NotAllowed):
        run_start(experiment=experiment, name="sneaky", actor=world.outsider)
    assert run_start(experiment=experiment, name="by lead", actor=world.lead).pk


def test_experiment_names_are_unique_within_a_team(world, experiment):
    with pytest.raises(Conflict, match="already has an experiment"):
        experiment_create(name=" LoRA vs full fine-tuning ", team=world.team, owner=world.owner)
    with pytest.raises(InvalidInput, match="needs a name"):
        experiment_create(name="  ", team=world.team, owner=world.owner)
    assert Experiment.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "error", "says"),
    [
        ([(0, float("nan"))], InvalidInput, "NaN"),
        ([(0, "fast")], InvalidInput, "not a number"),
        ([(-1, 1.0)], InvalidInput, "whole number"),
        ([(1.5, 1.0)], InvalidInput, "whole number"),
        ([(0, 1.0), (0, 2.0)], Conflict, "already has a value"),
    ],
)
def test_bad_metrics_save_nothing(world, experiment, values, error, says):
    run = run_start(experiment=experiment, name="r", actor=world.owner)
    with pytest.raises(error, match=says):
        run_log_metrics(run=run, key="loss", values=values, actor=world.owner)
    assert not RunMetric.objects.exists()


def test_a_run_ends_finished_failed_or_killed(world, experiment):
    run = run_start(experiment=experiment, name="r", actor=world.owner)
    with pytest.raises(InvalidInput, match="does not end a run"):
        run_finish(run=run, status=RunStatus.RUNNING, actor=world.owner)
    with pytest.raises(InvalidInput):
        run_finish(run=run, status="exploded", actor=world.owner)
    assert run_finish(run=run, status=RunStatus.FAILED, actor=world.owner).status == "failed"
    ended_at = run.ended_at
    with pytest.raises(Conflict, match="already ended"):
        run_finish(run=run, status=RunStatus.FINISHED, actor=world.owner)
    with pytest.raises(Conflict, match="already ended"):
        run_log_metrics(run=run, key="loss", values=[(0, 1.0)], actor=world.owner)
    run.refresh_from_db()
    assert (run.status, run.ended_at) == (RunStatus.FAILED, ended_at)
    assert not RunMetric.objects.exists()


def test_only_the_team_or_an_ml_lead_logs_and_finishes_runs(world, experiment):
    run = run_start(experiment=experiment, name="r", actor=world.owner)
    with pytest.raises(NotAllowed, match="Only members of"):
        run_log_metrics(run=run, key="loss", values=[(0, 1.0)], actor=world.outsider)
    with pytest.raises(NotAllowed, match="Only members of"):
        run_finish(run=run, actor=world.outsider)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and not RunMetric.objects.exists()
    run_log_metrics(run=run, key="loss", values=[(0, 1.0)], actor=world.lead)
    assert run_finish(run=run, actor=world.lead).status == RunStatus.FINISHED
