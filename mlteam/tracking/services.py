"""Writes to experiments and runs."""

from datetime import datetime

from django.utils import timezone

from mlteam.evals.services import parse_score
from mlteam.roster.models import MLTeamMember, Team

from .enums import RunStatus
from .models import Experiment, Run, RunMetric


def experiment_create(
    *,
    name: str,
    team: Team,
    owner: MLTeamMember,
    hypothesis: str = "",
    description: str = "",
    at: datetime | None = None,
) -> Experiment:
    return Experiment.objects.create(
        name=name,
        team=team,
        owner=owner,
        hypothesis=hypothesis,
        description=description,
        created_at=at or timezone.now(),
    )


def run_start(
    *,
    experiment: Experiment,
    name: str,
    actor: MLTeamMember,
    params: dict | None = None,
    tags: list | None = None,
    git_commit: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> Run:
    return Run.objects.create(
        experiment=experiment,
        name=name,
        started_by=actor,
        params=params or {},
        tags=tags or [],
        git_commit=git_commit,
        notes=notes,
        started_at=at or timezone.now(),
    )


def run_log_metrics(*, run: Run, key: str, values: list[tuple[int, float]], at: datetime | None = None):
    """Log ``(step, value)`` pairs of one metric; values must be finite."""
    at = at or timezone.now()
    rows = [RunMetric(run=run, key=key, step=step, value=parse_score(v), logged_at=at) for step, v in values]
    return RunMetric.objects.bulk_create(rows)


def run_finish(*, run: Run, status: str = RunStatus.FINISHED, at: datetime | None = None) -> Run:
    run.status = status
    run.ended_at = at or timezone.now()
    run.save(update_fields=["status", "ended_at"])
    return run
