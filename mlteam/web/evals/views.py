"""Evaluation pages: the benchmark catalogue, leaderboards, recording results, comparisons."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from mlteam.evals.models import Benchmark
from mlteam.evals.selectors import artifact_result_history, latest_results_by_benchmark, leaderboard
from mlteam.evals.services import (
    benchmark_create,
    benchmark_update,
    eval_record,
    eval_record_refusal,
)
from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.htmx import form_status, is_htmx, posted, refuse, render_page
from mlteam.registry.compare import compare_cards, compare_scores
from mlteam.registry.models import ModelArtifact
from mlteam.registry.selectors import active_metric_criteria, benchmarks_catalogue
from mlteam.roster.permissions import is_ml_lead, member_of
from mlteam.web.evals.charts import Threshold, leaderboard_chart
from mlteam.web.evals.forms import BenchmarkForm, LeaderboardFilterForm, RecordResultForm
from mlteam.web.evals.tables import LeaderboardTable
from mlteam.web.evals.versions import versions_to_compare

LEADERBOARD_PAGE = 25
LEADERBOARD_CHART = 25  # bars in the chart: the leaders of the whole board


@require_GET
def benchmark_list(request):
    """The shared benchmarks everyone measures with, and the gates that rely on each."""
    context = {
        "benchmarks": benchmarks_catalogue(),
        "can_manage": is_ml_lead(member_of(request.user)),
    }
    return render_page(request, "evals/benchmarks.html", context)


@require_http_methods(["GET", "POST"])
def benchmark_form(request, slug: str | None = None):
    """ML leads add and edit benchmarks; the slug is fixed once created."""
    benchmark = get_object_or_404(Benchmark, slug=slug) if slug else None
    member = member_of(request.user)
    if not is_ml_lead(member):
        return refuse(request, NotAllowed("not_ml_lead", "Only ML leads manage the benchmarks."))
    form = BenchmarkForm(posted(request)[0], instance=benchmark)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if benchmark is None:
                slug = form.cleaned_data["slug"]
                benchmark = benchmark_create(actor=member, slug=slug, **form.values())
            else:
                benchmark = benchmark_update(
                    benchmark=benchmark, actor=member, changes=form.values()
                )
        except DomainError as error:
            form.add_error(None, error.message)
            status = form_status(request, error)
        else:
            messages.success(request, f"Benchmark {benchmark.name} saved.")
            return redirect(benchmark.get_absolute_url())
    context = {"form": form, "benchmark": benchmark}
    return render_page(request, "evals/benchmark_form.html", context, status=status)


@require_GET
def benchmark_leaderboard(request, slug: str):
    """The latest result of every version on one benchmark, ranked, with gate thresholds."""
    benchmark = get_object_or_404(Benchmark.objects.select_related("owner_team"), slug=slug)
    filters = LeaderboardFilterForm(request.GET or None)
    valid = filters.is_valid() if request.GET else True
    stage = filters.cleaned_data.get("stage") if valid and request.GET else None
    team = filters.cleaned_data.get("team") if valid and request.GET else None
    criteria = [c for c in active_metric_criteria() if c.benchmark_id == benchmark.pk]
    # Two protocols may apply the same threshold (e.g. promotion and rollback to production).
    unique = {(t.to_stage, t.comparator, t.value): t for t in map(Threshold.of, criteria)}
    thresholds = list(unique.values())
    rows = leaderboard(benchmark, stage=stage or None, team=team)
    table = LeaderboardTable(rows, benchmark=benchmark, thresholds=thresholds)
    RequestConfig(request, paginate={"per_page": LEADERBOARD_PAGE}).configure(table)
    context = {
        "benchmark": benchmark,
        "filters": filters,
        "table": table,
        "thresholds": thresholds,
        "criteria": criteria,
        # The chart shows the leaders of the whole (filtered) board, not only this page.
        "chart": leaderboard_chart(list(rows[:LEADERBOARD_CHART]), thresholds),
        "chart_total": table.paginator.count,
        "can_manage": is_ml_lead(member_of(request.user)),
    }
    return render_page(request, "evals/leaderboard.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def record_result(request, name: str, version: int):
    """Members of the owning team record a result; bad values are refused, nothing saved."""
    artifact = get_object_or_404(
        ModelArtifact.objects.select_related("model__team", "source_run__experiment"),
        model__name=name,
        version=version,
    )
    member = member_of(request.user)
    refusal = eval_record_refusal(artifact=artifact, actor=member)
    form = RecordResultForm(posted(request)[0], artifact=artifact)
    status = 200
    if request.method == "POST":
        if refusal is not None:
            return refuse(request, refusal)
        if form.is_valid():
            try:
                result = eval_record(artifact=artifact, actor=member, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
                status = form_status(request, error)
            else:
                messages.success(request, f"Recorded {result.benchmark.name} = {result.value:g}.")
                if not is_htmx(request):
                    return redirect(request.path)
                form = RecordResultForm(artifact=artifact)
    context = _record_context(artifact, form, refusal)
    return render_page(request, "evals/record.html", context, partial="record", status=status)


def _record_context(artifact, form, refusal) -> dict:
    return {
        "artifact": artifact,
        "form": form,
        "allowed": refusal is None,
        "refusal": refusal,
        "team": artifact.model.team,
        "latest": sorted(latest_results_by_benchmark(artifact).values(), key=_by_name),
        "history": artifact_result_history(artifact)[:50],
    }


def _by_name(result) -> str:
    return result.benchmark.name


@require_GET
def compare_versions(request, name: str):
    """Two versions side by side: regressions in each benchmark's direction, card changes."""
    choice = versions_to_compare(name, request.GET.get("a"), request.GET.get("b"))
    context = {"choice": choice, "model": choice.model}
    if choice.a and choice.b and not choice.errors:
        context["scores"] = compare_scores(choice.a, choice.b)
        context["regressions"] = sum(1 for s in context["scores"] if s.verdict == "regression")
        context["card_diffs"] = compare_cards(choice.card_a, choice.card_b)
    return render_page(request, "evals/compare.html", context)
