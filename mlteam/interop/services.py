"""Importing a running MLflow registry: models, versions, and the runs and experiments behind
them, through the registry's and tracking's own services.

How MLflow's stages become ours without bypassing a gate: every imported version starts
experimental, like any registered version. A version that MLflow has in Staging or Production
gets the promotion request of the first gate on the way there (experimental → staging), with
the note "Production in MLflow as of <date> (aliases: champion)". Gate owners sign it as they
would any request; the import never ticks a criterion or approves anything. What MLflow said
(stage, aliases, run, version number) is written into the version's description, kept on the
``MlflowLink`` and shown on the imports page.

Idempotent: each MLflow object is linked to what it became (``MlflowLink``); a second import
of the same server skips linked objects and imports only what is new. One failing item (a model
whose name is taken, a run MLflow cannot return) is recorded in the summary and the import goes
on with the next.
"""

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from mlteam.interop.mlflow_rest import (
    MlflowError,
    MlflowModel,
    MlflowReader,
    MlflowVersion,
    as_dict,
    from_millis,
)
from mlteam.interop.models import ImportState, MlflowImport, MlflowKind, MlflowLink
from mlteam.kernel import limits
from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import DomainError, InvalidInput, NotAllowed
from mlteam.registry import services as registry
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import MLTeamMember, Team
from mlteam.roster.permissions import is_ml_lead
from mlteam.tracking import services as tracking
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, Run

# MLflow's legacy stage → the stage it stands for here (None and Archived open no request).
STAGE_OF = {"Staging": Stage.STAGING, "Production": Stage.PRODUCTION}
RUN_STATUS_OF = {
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}
DEFAULT_TASK = "unspecified"
Progress = Callable[[int, int, str], None]


class _Rollback(Exception):
    """Raised at the end of a dry run so that nothing it did is kept."""


@dataclass
class _Run:
    """What one import run learns as it goes."""

    record: MlflowImport
    reader: MlflowReader
    actor: MLTeamMember
    team: Team
    progress: Progress | None
    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return self.reader.tracking_uri

    def link(self, kind: str, mlflow_id: str) -> MlflowLink | None:
        return MlflowLink.objects.filter(
            tracking_uri=self.uri, kind=kind, mlflow_id=mlflow_id
        ).first()

    def linked(self, kind: str, mlflow_id: str, **targets) -> MlflowLink:
        details = targets.pop("details", {})
        return MlflowLink.objects.create(
            tracking_uri=self.uri,
            kind=kind,
            mlflow_id=mlflow_id,
            details=details,
            imported_at=timezone.now(),
            mlflow_import=self.record if self.record.pk else None,
            **targets,
        )


def mlflow_import(
    *,
    tracking_uri: str,
    team: Team,
    actor: MLTeamMember,
    model_names: list[str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    reader: MlflowReader | None = None,
    record: MlflowImport | None = None,
) -> MlflowImport:
    """Import the MLflow registry at ``tracking_uri`` into ``team`` (ML leads only).

    ``model_names``: only these registered models. ``dry_run``: do everything, report it, keep
    nothing. Returns the import's record (saved unless a dry run) with counts, errors and notes.
    Side effects: each created model, version and promotion request writes its own AuditEvent
    through the registry services; MlflowLink rows; the MlflowImport row, whose progress is
    saved as items finish (so the imports page can show it while the import runs).
    """
    if not is_ml_lead(actor):
        raise NotAllowed(
            "not_ml_lead", "Only ML leads import from MLflow (it creates models for a team)."
        )
    reader = reader or MlflowReader(tracking_uri)
    if record is None:
        record = MlflowImport(
            tracking_uri=reader.tracking_uri,
            team=team,
            actor=actor,
            only_models=list(model_names or []),
            dry_run=dry_run,
            started_at=timezone.now(),
        )
    record.state, record.started_at = ImportState.RUNNING, timezone.now()
    if not dry_run:
        record.save()
    state = _Run(record=record, reader=reader, actor=actor, team=team, progress=progress)
    try:
        if dry_run:
            try:
                with transaction.atomic():
                    _import_all(state, model_names)
                    raise _Rollback
            except _Rollback:
                pass
        else:
            _import_all(state, model_names)
        record.state = ImportState.FINISHED
    except MlflowError as error:  # the registry itself could not be listed
        state.errors.append(str(error))
        record.state = ImportState.FAILED
    record.counts = dict(state.counts)
    record.errors, record.notes = state.errors, state.notes
    record.finished_at = timezone.now()
    if not dry_run:
        record.save()
    return record


def _import_all(state: _Run, model_names: list[str] | None) -> None:
    if model_names:  # a name MLflow does not know is one failed item, not a failed import
        models = [
            found
            for name in model_names
            if (found := _guarded(state, f"model {name}", lambda n=name: state.reader.models([n])))
        ]
        models = [model for found in models for model in found]
    else:
        models = state.reader.models()
    work = [(model, state.reader.versions(model)) for model in models]
    total = sum(1 + len(versions) for _, versions in work)
    state.record.total = total
    done = 0
    for model, versions in work:
        ours = _guarded(state, f"model {model.name}", lambda m=model: _import_model(state, m))
        done += 1
        _report(state, done, total, f"model {model.name}")
        for version in versions:
            if ours is not None:
                _guarded(
                    state,
                    f"{model.name} version {version.version}",
                    lambda v=version, o=ours: _import_version(state, o, v),
                )
            done += 1
            _report(state, done, total, f"{model.name} v{version.version}")


def _report(state: _Run, done: int, total: int, label: str) -> None:
    state.record.done = done
    if state.record.pk:
        MlflowImport.objects.filter(pk=state.record.pk).update(
            done=done, total=total, counts=dict(state.counts)
        )
    if state.progress:
        state.progress(done, total, label)


def _guarded(state: _Run, label: str, work: Callable):
    """One item: its own savepoint, so a failure undoes only it and is reported."""
    try:
        with transaction.atomic():
            return work()
    except (DomainError, MlflowError) as error:
        state.errors.append(f"{label}: {getattr(error, 'message', None) or error}")
        state.counts["errors"] += 1
        return None


# -- models and versions ---------------------------------------------------------------------------
def model_name_for(name: str) -> str:
    """MLflow names are free text ("Fraud Detector_v2"); ours are URL slugs ("fraud-detector-v2")."""
    return (
        slugify(name.replace("_", "-").replace(".", "-"))[: limits.NAME].strip("-")
        or "mlflow-model"
    )


def _import_model(state: _Run, mlflow: MlflowModel) -> Model:
    link = state.link(MlflowKind.MODEL, mlflow.name)
    if link is not None:
        state.counts["models_skipped"] += 1
        return link.model
    name = model_name_for(mlflow.name)
    if Model.objects.filter(name=name).exists():
        raise MlflowError(
            f"a model named '{name}' already exists here and was not imported from this MLflow "
            "server; rename one of them and import again."
        )
    tags = dict(mlflow.tags)
    task = tags.pop("task", "") or tags.pop("mlteam.task", "") or DEFAULT_TASK
    description = mlflow.description.strip()
    if tags:
        listed = ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))
        description = f"{description}\n\nMLflow tags: {listed}".strip()
    description = description[: limits.DESCRIPTION]  # MLflow has no limit; ours is the cut
    model = registry.model_create(
        name=name,
        team=state.team,
        task=task,
        actor=state.actor,
        description=description,
        at=mlflow.created,
    )
    state.linked(
        MlflowKind.MODEL,
        mlflow.name,
        model=model,
        details={"tags": mlflow.tags, "aliases": mlflow.aliases},
    )
    state.counts["models"] += 1
    if task == DEFAULT_TASK:
        state.notes.append(
            f"{name}: MLflow has no task for it (no 'task' tag); it is '{DEFAULT_TASK}' until "
            "someone sets it on the model page."
        )
    return model


def _import_version(state: _Run, model: Model, mlflow: MlflowVersion) -> ModelArtifact | None:
    if state.link(MlflowKind.VERSION, mlflow.key) is not None:
        state.counts["versions_skipped"] += 1
        return None
    run = None
    if mlflow.run_id:  # a run MLflow cannot return is reported; the version still comes in
        run = _guarded(state, f"run {mlflow.run_id}", lambda: _import_run(state, mlflow.run_id))
    as_of = timezone.now()
    artifact = registry.artifact_register(
        model=model,
        actor=state.actor,
        artifact_uri=mlflow.source[: limits.URI],
        source_run=run,
        description=_version_description(state, mlflow, as_of),
        at=mlflow.created,
    )
    state.linked(
        MlflowKind.VERSION,
        mlflow.key,
        model=model,
        artifact=artifact,
        details={
            "stage": mlflow.stage,
            "aliases": mlflow.aliases,
            "run_id": mlflow.run_id,
            "tags": mlflow.tags,
            "as_of": as_of.isoformat(),
        },
    )
    state.counts["versions"] += 1
    _open_promotion(state, artifact, mlflow, as_of)
    return artifact


def _version_description(state: _Run, mlflow: MlflowVersion, as_of: datetime) -> str:
    said = [f"MLflow {mlflow.name} version {mlflow.version}, stage {mlflow.stage}"]
    if mlflow.aliases:
        said.append("aliases " + ", ".join(f"@{a}" for a in mlflow.aliases))
    if mlflow.run_id:
        said.append(f"run {mlflow.run_id}")
    if mlflow.user_id:
        said.append(f"registered by {mlflow.user_id}")
    provenance = f"Imported from {state.uri} on {as_of:%Y-%m-%d}: " + "; ".join(said) + "."
    if mlflow.tags:
        provenance += (
            " Tags: " + ", ".join(f"{k}={v}" for k, v in sorted(mlflow.tags.items())) + "."
        )
    return f"{mlflow.description.strip()}\n\n{provenance}".strip()[: limits.DESCRIPTION]


def first_gate_towards(target: str) -> str | None:
    """The stage an experimental version is first requested to on its way to ``target``
    (following active protocols), or None when no path of protocols leads there."""
    paths = {Stage.EXPERIMENTAL.value: None}
    frontier = [Stage.EXPERIMENTAL.value]
    while frontier:
        stage = frontier.pop(0)
        for protocol in registry.protocols_from(stage):
            to = str(protocol.to_stage)
            if to in paths:
                continue
            paths[to] = paths[stage] or to
            if to == target:
                return paths[to]
            frontier.append(to)
    return None


def _open_promotion(state: _Run, artifact: ModelArtifact, mlflow: MlflowVersion, as_of) -> None:
    target = STAGE_OF.get(mlflow.stage)
    if target is None:
        return
    first = first_gate_towards(target)
    label = f"{artifact.model.name} v{artifact.version}"
    if first is None:
        state.notes.append(
            f"{label} is {mlflow.stage} in MLflow, but no active handoff protocol leads from "
            f"experimental to {target}; it stays experimental."
        )
        return
    aliases = f" (aliases: {', '.join(mlflow.aliases)})" if mlflow.aliases else ""
    note = f"{mlflow.stage} in MLflow as of {as_of:%Y-%m-%d %H:%M} UTC{aliases}; imported from {state.uri}."
    if first != target:
        note += f" This is the first gate on the way to {target}; the next ones follow once it is approved."
    registry.promotion_request(artifact=artifact, to_stage=first, actor=state.actor, note=note)
    state.counts["promotions_requested"] += 1


# -- runs and experiments --------------------------------------------------------------------------
def _import_experiment(state: _Run, experiment_id: str) -> Experiment:
    link = state.link(MlflowKind.EXPERIMENT, experiment_id)
    if link is not None:
        return link.experiment
    raw = state.reader.experiment(experiment_id)
    name = (
        (raw.get("name") or f"mlflow-{experiment_id}").strip("/").split("/")[-1][: limits.NAME - 20]
    )
    if Experiment.objects.filter(team=state.team, name=name).exists():
        name = f"{name} (MLflow {experiment_id})"[: limits.NAME]
    tags = as_dict(raw.get("tags"))
    experiment = tracking.experiment_create(
        name=name,
        team=state.team,
        owner=state.actor,
        description=(
            tags.get("mlflow.note.content", "")
            or f"Imported from MLflow experiment {experiment_id} at {state.uri}."
        )[: limits.DESCRIPTION],
        at=from_millis(raw.get("creation_time")),
    )
    state.linked(MlflowKind.EXPERIMENT, experiment_id, experiment=experiment)
    state.counts["experiments"] += 1
    return experiment


def _import_run(state: _Run, run_id: str) -> Run:
    link = state.link(MlflowKind.RUN, run_id)
    if link is not None:
        return link.run
    raw = state.reader.run(run_id)
    info, data = raw.get("info", {}), raw.get("data", {})
    experiment = _import_experiment(state, str(info.get("experiment_id")))
    tags = as_dict(data.get("tags"))
    started = from_millis(info.get("start_time")) or timezone.now()
    run = tracking.run_start(
        experiment=experiment,
        name=(info.get("run_name") or tags.get("mlflow.runName") or run_id[:8])[: limits.NAME],
        actor=state.actor,
        params=as_dict(data.get("params")),
        tags=[f"{k}={v}"[:60] for k, v in sorted(tags.items()) if not k.startswith("mlflow.")],
        git_commit=tags.get("mlflow.source.git.commit", "")[: limits.GIT_COMMIT],
        notes=(tags.get("mlflow.note.content", "") or f"MLflow run {run_id} ({state.uri}).")[
            : limits.NOTE
        ],
        at=started,
    )
    for key in sorted({m["key"] for m in data.get("metrics", [])}):
        points = _points(state, run_id, key)
        if points:
            tracking.run_log_metrics(
                run=run, key=key[: limits.METRIC_KEY], values=points, actor=state.actor, at=started
            )
            state.counts["metric_points"] += len(points)
    status = RUN_STATUS_OF.get(info.get("status"))
    if status:
        tracking.run_finish(
            run=run, actor=state.actor, status=status, at=from_millis(info.get("end_time"))
        )
    state.linked(MlflowKind.RUN, run_id, run=run, experiment=experiment)
    state.counts["runs"] += 1
    return run


def _points(state: _Run, run_id: str, key: str) -> list[tuple[int, float]]:
    """A metric's whole history as (step, value); MLflow may log a step twice (the latest
    wins here) and may hold NaN or infinity (left out, with a note)."""
    by_step: dict[int, tuple[int, float]] = {}
    skipped = 0
    for point in state.reader.metric_history(run_id, key):
        try:
            step, value = int(point.get("step") or 0), float(point["value"])
        except (KeyError, TypeError, ValueError):
            skipped += 1
            continue
        if step < 0 or not math.isfinite(value):
            skipped += 1
            continue
        stamp = int(point.get("timestamp") or 0)
        if step not in by_step or stamp >= by_step[step][0]:
            by_step[step] = (stamp, value)
    if skipped:
        state.notes.append(
            f"run {run_id}: {skipped} value(s) of {key} were not finite and were left out."
        )
    return [(step, value) for step, (_, value) in sorted(by_step.items())]


def mlflow_import_queue(
    *, tracking_uri: str, team: Team, actor: MLTeamMember, model_names: list[str] | None = None
) -> MlflowImport:
    """Queue an import for a background worker (the imports page). Checked now, so a bad
    address or a non-lead is refused at once: ML leads only, an http(s) tracking server.
    Side effects: an MlflowImport row (queued); after commit, the ``run_mlflow_import`` task."""
    from mlteam.interop import tasks

    if not is_ml_lead(actor):
        raise NotAllowed(
            "not_ml_lead", "Only ML leads import from MLflow (it creates models for a team)."
        )
    limits.require_max_length("tracking_uri", tracking_uri, limits.TRACKING_URI)
    try:
        reader = MlflowReader(tracking_uri)
    except MlflowError as error:
        raise InvalidInput("invalid_tracking_uri", str(error)) from None
    reader.close()
    with transaction.atomic():
        record = MlflowImport.objects.create(
            tracking_uri=reader.tracking_uri,
            team=team,
            actor=actor,
            only_models=[name for name in (model_names or []) if name],
            state=ImportState.QUEUED,
            started_at=timezone.now(),
        )
        transaction.on_commit(lambda: tasks.run_mlflow_import.enqueue(import_id=record.pk))
    return record


def mlflow_import_run_queued(*, import_id: int) -> MlflowImport | None:
    """The worker's side of ``mlflow_import_queue``: run the queued import (once)."""
    record = (
        MlflowImport.objects.select_related("team", "actor__user", "actor__role")
        .filter(pk=import_id, state=ImportState.QUEUED)
        .first()
    )
    if record is None:
        return None
    try:
        return mlflow_import(
            tracking_uri=record.tracking_uri,
            team=record.team,
            actor=record.actor,
            model_names=record.only_models or None,
            record=record,
        )
    except DomainError as error:  # e.g. the actor is no longer an ML lead
        record.state, record.errors = ImportState.FAILED, [error.message]
        record.finished_at = timezone.now()
        record.save()
        return record
