"""Writes to experiments and runs, so an experiment outlives the notebook it started in.

Only members of the experiment's team (directly or embedded) or ML leads write; everyone
signed in reads. Tracking data is not lifecycle state, so no AuditEvent is written.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from mlteam.evals.services import score_value
from mlteam.kernel import limits
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.roster.membership import require_team_work
from mlteam.roster.models import MLTeamMember, Team
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, Run, RunMetric


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput("invalid_name", f"A {what} needs a name.")
    limits.require_max_length("name", value, limits.NAME)
    return value


def experiment_create(
    *,
    name: str,
    team: Team,
    owner: MLTeamMember,
    hypothesis: str = "",
    description: str = "",
    at: datetime | None = None,
) -> Experiment:
    """Start an experiment for ``team``; names are unique within a team."""
    require_team_work(owner, team, "start experiments for it")
    name = _name(name, "experiment")
    limits.require_max_lengths(
        {"hypothesis": hypothesis, "description": description},
        {"hypothesis": limits.DESCRIPTION, "description": limits.DESCRIPTION},
    )
    duplicate = Conflict(
        "duplicate_experiment",
        f"{team.name} already has an experiment named '{name}'; pick another name.",
    )
    if Experiment.objects.filter(team=team, name=name).exists():
        raise duplicate
    try:
        with transaction.atomic():  # two people starting the same name at once: one wins
            return Experiment.objects.create(
                name=name,
                team=team,
                owner=owner,
                hypothesis=hypothesis,
                description=description,
                created_at=at or timezone.now(),
            )
    except IntegrityError:
        raise duplicate from None


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
    """Open a run of ``experiment`` in status running."""
    require_team_work(actor, experiment.team, f"add runs to {experiment.name}")
    if params is not None and not isinstance(params, dict):
        raise InvalidInput("invalid_params", "Run params must be a mapping of name to value.")
    if tags is not None and not isinstance(tags, list | tuple):
        raise InvalidInput("invalid_tags", "Run tags must be a list.")
    name = _name(name, "run")
    limits.require_max_lengths(
        {"git_commit": git_commit, "notes": notes},
        {"git_commit": limits.GIT_COMMIT, "notes": limits.NOTE},
    )
    for tag in tags or []:
        limits.require_max_length("tags", str(tag), limits.TAG)
    return Run.objects.create(
        experiment=experiment,
        name=name,
        started_by=actor,
        params=params or {},
        tags=list(tags or []),
        git_commit=git_commit or "",
        notes=notes,
        started_at=at or timezone.now(),
    )


def run_log_metrics(
    *,
    run: Run,
    key: str,
    values: list[tuple[int, float]],
    actor: MLTeamMember,
    at: datetime | None = None,
) -> list[RunMetric]:
    """Log ``(step, value)`` pairs of one metric; steps are whole numbers ≥ 0, values finite.

    Only while the run is running. A step already logged for the key (or twice in the batch)
    is a Conflict and nothing of the batch is saved.
    """
    require_team_work(actor, run.experiment.team, f"log metrics of {run.name}")
    _require_running(run)
    key = (key or "").strip()
    if not key:
        raise InvalidInput("invalid_metric", "A metric needs a key (e.g. loss).")
    limits.require_max_length("key", key, limits.METRIC_KEY)
    at = at or timezone.now()
    rows = []
    for step, value in values:
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise InvalidInput(
                "invalid_step", f"Step {step!r} of {key} must be a whole number ≥ 0."
            )
        rows.append(RunMetric(run=run, key=key, step=step, value=score_value(value), logged_at=at))
    try:
        with transaction.atomic():
            return RunMetric.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(
            "duplicate_step",
            f"{run.name} already has a value of {key} at one of these steps "
            "(each step is logged once per metric); nothing was saved.",
        ) from None


def _require_running(run: Run) -> None:
    if run.status != RunStatus.RUNNING:
        raise Conflict(
            "run_ended",
            f"Run #{run.pk} ({run.name}) already ended ({run.status}); start a new run instead.",
        )


def run_finish(
    *,
    run: Run,
    actor: MLTeamMember,
    status: str = RunStatus.FINISHED,
    at: datetime | None = None,
) -> Run:
    """Close a running run as finished, failed or killed (once: an ended run stays ended)."""
    require_team_work(actor, run.experiment.team, f"finish {run.name}")
    if status not in RunStatus.values or status == RunStatus.RUNNING:
        raise InvalidInput(
            "invalid_status", f"'{status}' does not end a run; use finished, failed or killed."
        )
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        _require_running(locked)
        run.status = status
        run.ended_at = at or timezone.now()
        run.save(update_fields=["status", "ended_at"])
    return run
