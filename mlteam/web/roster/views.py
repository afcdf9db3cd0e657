"""Roster pages: the staffing-ratio dashboard, teams, one team, the topology picture.

Read-only pages for everyone signed in; roster edits happen in the admin, through the roster
services. Reads come from ``selectors`` (bounded queries), charts are server-rendered SVG.
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from mlteam.kernel.htmx import render_page
from mlteam.registry import selectors as registry_selectors
from mlteam.registry import teams as team_reads
from mlteam.registry.checks import organisation_checks, severity_counts
from mlteam.roster import charts, selectors
from mlteam.roster import topology as topology_layout
from mlteam.roster.models import Team
from mlteam.roster.permissions import can_edit_roster
from mlteam.web.roster.filters import KindForm, TeamFilter
from mlteam.web.roster.tables import TeamTable

PER_PAGE = 50


def _ratio_context(kind: str) -> dict:
    teams = None if not kind else list(Team.objects.filter(kind=kind).values_list("pk", flat=True))
    rows = selectors.ratio_by_team(teams=teams)
    overall = selectors.ratio_overall()
    return {
        "overall": overall,
        "rows": rows,
        "outside": [row for row in rows if row.outside_target],
        "ratio_chart": charts.ratio_chart(rows, overall),
        "history": charts.history_chart(selectors.ratio_history(teams=teams)),
        "roles": selectors.role_breakdown(),
        "coverage": registry_selectors.gate_owner_coverage(),
    }


@require_GET
def ratio(request):
    """The ML lead's staffing review: is each team's research share inside its target band,
    how did it move over the year, and can every handoff gate still be signed?"""
    form = KindForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    context = {"form": form, "kind": kind, "can_edit": can_edit_roster(request.user)}
    context["check_counts"] = severity_counts(organisation_checks())
    return render(request, "roster/ratio.html", context | _ratio_context(kind))


@require_GET
def team_list(request):
    """Every team with its kind, lead, size and research share; filtering swaps only the table."""
    team_filter = TeamFilter(request.GET, queryset=team_reads.team_list())
    ratios = {row.team.pk: row for row in selectors.ratio_by_team()}
    table = TeamTable(team_filter.qs, ratios=ratios)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"filter": team_filter, "table": table}
    return render_page(request, "roster/team_list.html", context, partial="table")


@require_GET
def team_detail(request, slug: str):
    """One team: who is on it (embedded people marked), what it owns, uses and who it works with."""
    team = get_object_or_404(
        Team.objects.select_related("lead__user", "orientation_target"), slug=slug
    )
    page = team_reads.team_page(team)
    context = {
        "page": page,
        "team": team,
        "ratio_chart": charts.ratio_chart([page.ratio]),
        "can_edit": can_edit_roster(request.user),
    }
    findings = organisation_checks(team=team.slug)
    context |= {
        "check_counts": severity_counts(findings),
        "check_findings": findings[:5],
        "check_team": team.slug,
        "check_team_name": team.name,
    }
    return render(request, "roster/team_detail.html", context)


@require_GET
def topology(request):
    """The organisation as a picture: lanes per team kind, interactions, model use, embedding."""
    return render(request, "roster/topology.html", {"topology": topology_layout.topology()})
