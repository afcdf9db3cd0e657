"""Checks of the gates, the evaluation methodology and lineage (see ``checks``)."""

from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse

from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.findings import (
    EXPERIMENT_GRACE,
    HIGH,
    LOW,
    MEDIUM,
    Finding,
    World,
    a_kind,
    admin_url,
    team_fields,
)
from mlteam.registry.models import GateCriterion, ModelArtifact, PromotionRequest
from mlteam.registry.selectors import gate_owner_coverage
from mlteam.roster.enums import TeamKind
from mlteam.tracking.models import Experiment


# -- gates -----------------------------------------------------------------------------------
def ungated_transitions(world: World) -> list[Finding]:
    moved = set(
        AuditEvent.objects.filter(action=AuditAction.ARTIFACT_TRANSITIONED)
        .exclude(details__reason__startswith="superseded")  # the engine's own move, not a gate
        .values_list("from_state", "to_state")
        .distinct()
        .order_by()
    )
    in_production = ModelArtifact.objects.filter(status=Stage.PRODUCTION).exists()
    needed = {(Stage.DEPRECATED.value, Stage.PRODUCTION.value)} if in_production else set()
    add_url = admin_url("registry_handoffprotocol_add")
    findings = []
    for source, target in sorted((moved | needed) - world.active_pairs):
        used = (source, target) in moved
        findings.append(
            Finding(
                code="ungated_transition",
                severity=HIGH if used else MEDIUM,
                subject=f"{source} → {target}",
                subject_url=admin_url("registry_handoffprotocol_changelist"),
                message=(
                    f"Versions have moved {source} → {target}, but no active handoff protocol "
                    "gates that transition now."
                    if used
                    else f"Models are in production but there is no active {source} → {target} "
                    "protocol: after an incident nobody can roll back through a gate."
                ),
                fix=f"Add an active handoff protocol for {source} → {target} with its criteria "
                "and responsible role.",
                fix_url=add_url,
            )
        )
    return findings


def informal_production(world: World) -> list[Finding]:
    findings = []
    metric = Q(items__kind=CriterionKind.METRIC)
    requests = (
        PromotionRequest.objects.filter(
            state=PromotionState.APPROVED,
            to_stage=Stage.PRODUCTION,
            artifact__status=Stage.PRODUCTION,
        )
        .annotate(metrics=Count("items", filter=metric))
        .select_related("artifact__model__team", "protocol")
        .order_by("artifact_id", "-decided_at", "-id")
    )
    seen = set()
    for request in requests:
        if request.artifact_id in seen:
            continue
        seen.add(request.artifact_id)
        if request.metrics:
            continue
        artifact = request.artifact
        findings.append(
            Finding(
                code="informal_production",
                severity=HIGH,
                subject=str(artifact),
                subject_url=artifact.get_absolute_url(),
                message=f"{artifact} reached production through '{request.protocol.name}' "
                "(request #{}) whose checklist had no metric criterion: it went in because it "
                "seemed good enough.".format(request.pk),
                fix="Add metric criteria to the production gate and re-evaluate this version "
                "against them.",
                fix_url=admin_url("registry_handoffprotocol_change", request.protocol_id),
                **team_fields(artifact.model.team),
            )
        )
    with_metric = set(
        GateCriterion.objects.filter(kind=CriterionKind.METRIC, protocol__active=True)
        .values_list("protocol_id", flat=True)
        .distinct()
        .order_by()
    )
    for protocol in world.protocols:
        if protocol.to_stage == Stage.PRODUCTION and protocol.pk not in with_metric:
            findings.append(
                Finding(
                    code="informal_production",
                    severity=MEDIUM,
                    subject=f"{protocol.name} ({protocol.transition_label})",
                    subject_url=admin_url("registry_handoffprotocol_change", protocol.pk),
                    message=f"The gate '{protocol.name}' puts versions in production without "
                    "any metric criterion.",
                    fix="Add at least one metric criterion (benchmark, comparator, threshold).",
                    fix_url=admin_url("registry_handoffprotocol_change", protocol.pk),
                )
            )
    return findings


def gate_owner_gaps(world: World) -> list[Finding]:
    findings = []
    for coverage in gate_owner_coverage():
        if coverage.level == "ok":
            continue
        protocol, role = coverage.protocol, coverage.protocol.responsible_role
        if coverage.level == "none":
            severity, message = (
                HIGH,
                f"Nobody holds {role.name}, so nobody can approve {protocol.transition_label}.",
            )
        else:
            holder = coverage.single_holder
            severity, message = (
                MEDIUM,
                f"Only {holder} holds {role.name}: their own requests through "
                f"{protocol.transition_label} can never be approved.",
            )
        findings.append(
            Finding(
                code="gate_owner_gap",
                severity=severity,
                subject=f"{protocol.name} ({protocol.transition_label})",
                subject_url=admin_url("registry_handoffprotocol_change", protocol.pk),
                message=message,
                fix=f"Give a second person the {role.name} role (plan it on /roster/plan/).",
                fix_url=reverse("roster:plans"),
                details={"holders": coverage.holders, "role": role.name},
            )
        )
    return findings


# -- evaluation ------------------------------------------------------------------------------
def team_local_benchmarks(world: World) -> list[Finding]:
    findings = []
    local_kinds = {TeamKind.PRODUCT, TeamKind.AGENT}
    benchmarks = {b.pk: b for b in Benchmark.objects.select_related("owner_team")}
    for benchmark in benchmarks.values():
        if benchmark.owner_team.kind in local_kinds:
            findings.append(
                Finding(
                    code="team_local_benchmark",
                    severity=MEDIUM,
                    subject=benchmark.name,
                    subject_url=benchmark.get_absolute_url(),
                    message=f"{benchmark.name} is owned by {benchmark.owner_team.name}, "
                    f"{a_kind(benchmark.owner_team)}: application teams "
                    "should not each build their own evaluation methodology.",
                    fix="Hand the benchmark to the evaluation owners (an ML or platform team).",
                    fix_url=admin_url("evals_benchmark_change", benchmark.pk),
                    **team_fields(benchmark.owner_team),
                )
            )
    used = (
        EvalResult.objects.values_list(
            "benchmark_id", "artifact__model__team_id", "artifact__model__task"
        )
        .distinct()
        .order_by()
    )
    teams_of, tasks_of = defaultdict(set), defaultdict(set)
    for benchmark_id, team_id, task in used:
        teams_of[benchmark_id].add(team_id)
        tasks_of[benchmark_id].add(task)
    local_by_task = defaultdict(list)  # task -> [(benchmark, its only team)]
    for benchmark_id, team_ids in teams_of.items():
        if len(team_ids) == 1:
            for task in tasks_of[benchmark_id]:
                local_by_task[task].append((benchmarks[benchmark_id], next(iter(team_ids))))
    for task, pairs in sorted(local_by_task.items()):
        if len({team_id for _, team_id in pairs}) < 2:
            continue
        pairs.sort(key=lambda pair: pair[0].name)
        described = "; ".join(f"{world.teams[t].name} on {b.name}" for b, t in pairs)
        findings.append(
            Finding(
                code="team_local_benchmark",
                severity=MEDIUM,
                subject=f"task {task}",
                subject_url=reverse("evals:benchmarks"),
                message=f"Teams evaluate {task} models each on a benchmark only they use "
                f"({described}): their scores cannot be compared.",
                fix="Agree one shared benchmark for the task and record every team's versions "
                "on it.",
                fix_url=reverse("evals:benchmarks"),
                details={"benchmarks": [b.slug for b, _ in pairs]},
            )
        )
    return findings


# -- lineage ---------------------------------------------------------------------------------
def untracked_versions(world: World) -> list[Finding]:
    rows = (
        ModelArtifact.objects.filter(source_run__isnull=True)
        .exclude(status=Stage.EXPERIMENTAL)
        .values_list("model__name", "model__team_id", "version", "status")
        .order_by("model__name", "version")
    )
    by_model = defaultdict(list)
    for name, team_id, version, status in rows:
        by_model[(name, team_id)].append((version, status))
    findings = []
    for (name, team_id), versions in by_model.items():
        listed = ", ".join(f"v{v} ({s})" for v, s in versions)
        serious = any(s in (Stage.STAGING, Stage.PRODUCTION) for _, s in versions)
        url = reverse("registry:model", kwargs={"name": name})
        findings.append(
            Finding(
                code="untracked_version",
                severity=MEDIUM if serious else LOW,
                subject=name,
                subject_url=url,
                message=f"{name} {listed}: no source run, so nobody can tell what data and "
                "code produced it.",
                fix="Register versions from a tracked run (mlteam models register --run ID).",
                fix_url=url,
                **team_fields(world.teams.get(team_id)),
            )
        )
    return findings


def experiments_without_runs(world: World) -> list[Finding]:
    experiments = (
        Experiment.objects.filter(created_at__lte=world.now - EXPERIMENT_GRACE)
        .annotate(runs_n=Count("runs"))
        .filter(runs_n=0)
        .select_related("team", "owner__user")
        .order_by("created_at", "id")
    )
    return [
        Finding(
            code="experiment_without_runs",
            severity=LOW,
            subject=experiment.name,
            subject_url=experiment.get_absolute_url(),
            message=f"Created {experiment.created_at:%d %b %Y} by {experiment.owner}, no run "
            "recorded since: the work lives in someone's notebook.",
            fix="Log the runs (mlteam runs or the API) or close the experiment.",
            fix_url=experiment.get_absolute_url(),
            **team_fields(experiment.team),
        )
        for experiment in experiments
    ]
