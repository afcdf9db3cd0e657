"""Experiment tracking pages: the list, one experiment with its runs, and one run."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.htmx import form_status, posted, refuse, render_page
from mlteam.roster.permissions import member_of
from mlteam.tracking.models import Experiment, Run
from mlteam.tracking.selectors import (
    experiment_detail,
    experiment_list,
    experiment_metric_keys,
    experiment_runs,
    metric_points,
    run_detail,
    run_metrics_by_key,
)
from mlteam.tracking.services import experiment_create
from mlteam.web.tracking.charts import line_chart
from mlteam.web.tracking.filters import ExperimentFilter
from mlteam.web.tracking.forms import CompareRunsForm, ExperimentForm
from mlteam.web.tracking.tables import ExperimentTable

RUNS_PER_PAGE = 50
CHART_RUNS = 6
RUN_CHARTS = 8


@require_GET
def experiment_list_page(request):
    """Every team's experiments; filtering, sorting and paging swap the table over htmx."""
    filterset = ExperimentFilter(request.GET or None, queryset=experiment_list())
    table = ExperimentTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    context = {"filter": filterset, "table": table, "member": member_of(request.user)}
    return render_page(request, "tracking/experiments.html", context, partial="table")


@require_http_methods(["GET", "POST"])
def experiment_create_page(request):
    """Members start experiments for their own team (ML leads for any team)."""
    member = member_of(request.user)
    if member is None or not member.is_active:
        error = NotAllowed("no_roster_entry", "Only people on the roster start experiments.")
        return refuse(request, error)
    form = ExperimentForm(posted(request)[0], member=member)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            experiment = experiment_create(owner=member, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
            status = form_status(request, error)
        else:
            return redirect(experiment)
    return render_page(request, "tracking/experiment_form.html", {"form": form}, status=status)


def _default_metric(keys: list[str]) -> str | None:
    return next((k for k in keys if "loss" in k), keys[0] if keys else None)


@require_GET
def experiment_page(request, pk: int):
    """One experiment: its hypothesis and runs, compared by a metric the reader chooses."""
    try:
        experiment = experiment_detail(pk)
    except Experiment.DoesNotExist:
        raise Http404("No such experiment.") from None
    keys = experiment_metric_keys(experiment)
    form = CompareRunsForm(request.GET or None, keys=keys)
    valid = form.is_valid() if request.GET else False
    metric = (form.cleaned_data.get("metric") if valid else None) or _default_metric(keys)
    order = (form.cleaned_data.get("order") if valid else None) or "asc"
    runs = experiment_runs(experiment, metric, order=order)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    charted = list(page.object_list)[:CHART_RUNS]
    points = metric_points(charted, metric) if metric else {}
    chart = line_chart([(r.name, points.get(r.pk, [])) for r in charted], metric or "")
    context = {
        "experiment": experiment,
        "form": form,
        "metric": metric,
        "order": order,
        "page": page,
        "chart": chart,
        "member": member_of(request.user),
    }
    return render_page(request, "tracking/experiment.html", context, partial="runs")


@require_GET
def run_page(request, pk: int):
    """One run: params, metrics over steps, and the artifacts and eval results it produced."""
    try:
        run = run_detail(pk)
    except Run.DoesNotExist:
        raise Http404("No such run.") from None
    by_key = run_metrics_by_key(run)
    summaries = [
        {
            "key": k,
            "first": p[0][1],
            "last": p[-1][1],
            "low": min(v for _, v in p),
            "high": max(v for _, v in p),
            "steps": len(p),
            "last_step": p[-1][0],
        }
        for k, p in by_key.items()
    ]
    charts = [(k, line_chart([(k, p)], k)) for k, p in list(by_key.items())[:RUN_CHARTS]]
    context = {"run": run, "summaries": summaries, "charts": charts}
    return render_page(request, "tracking/run.html", context)
