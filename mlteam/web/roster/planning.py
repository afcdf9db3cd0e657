"""The rebalancing planner (/roster/plan/): ML leads draft roster changes, see each team's and
the organisation's research share and gate-owner coverage before and after, then apply the plan
as one transaction or discard it. Thin adapters over ``mlteam.roster.planning``."""

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.htmx import form_status, refuse, render_page
from mlteam.registry.selectors import gate_owner_coverage_planned
from mlteam.roster import charts, planning
from mlteam.roster.models import RosterPlan
from mlteam.roster.permissions import actor_for, can_edit_roster
from mlteam.roster.plan_suggest import suggest
from mlteam.web.roster.plan_forms import ChangeForm, PlanForm


def _editor_only(request):
    if not can_edit_roster(request.user):
        raise NotAllowed("not_ml_lead", "Only ML leads may see and draft rebalancing plans.")


def _preview_context(changes: list[dict]) -> dict:
    preview = planning.plan_preview(changes)
    pairs = [(t.now, t.planned) for t in preview.teams]
    overall = (preview.overall_now, preview.overall_planned)
    return {
        "preview": preview,
        "compare_chart": charts.compare_chart(pairs, overall),
        "coverage": gate_owner_coverage_planned(preview.holders_now, preview.holders_planned),
    }


@require_http_methods(["GET", "POST"])
def plan_list(request):
    """Saved plans, a form for a new one and, on ``?suggest=1``, a suggested plan that brings
    every team into its band (saved with one click)."""
    try:
        _editor_only(request)
    except DomainError as error:
        return refuse(request, error)
    form = PlanForm(request.POST or None)
    steps = suggest() if request.GET.get("suggest") else None
    if request.method == "POST" and form.is_valid():
        try:
            changes = json.loads(request.POST.get("changes") or "[]")
            plan = planning.plan_create(
                actor=actor_for(request.user), changes=changes, **form.cleaned_data
            )
        except (DomainError, ValueError, TypeError) as error:
            message = error.message if isinstance(error, DomainError) else "Unreadable changes."
            form.add_error(None, message)
        else:
            messages.success(request, f"Plan '{plan.name}' saved as a draft.")
            return redirect(plan)
    context = {
        "form": form,
        "plans": RosterPlan.objects.select_related("created_by").order_by("state", "-updated_at"),
        "steps": steps,
        "steps_json": json.dumps([s.change for s in steps]) if steps else "",
    }
    if steps:
        context |= _preview_context([s.change for s in steps])
    return render_page(request, "roster/plans.html", context)


def _plan(request, pk: int) -> RosterPlan:
    _editor_only(request)
    if pk > 2**31:
        raise Http404
    return get_object_or_404(RosterPlan.objects.select_related("created_by"), pk=pk)


@require_http_methods(["GET", "POST"])
def plan_detail(request, pk: int):
    """One plan: its changes in words, the before/after chart and coverage; add or remove
    changes, apply or discard. The URL is the plan's shareable address."""
    try:
        plan = _plan(request, pk)
    except DomainError as error:
        return refuse(request, error)
    form = ChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            plan = planning.plan_change_add(
                plan=plan, change=form.change(), actor=actor_for(request.user)
            )
        except DomainError as error:
            form.add_error(None, error.message)
            status = form_status(request, error)
        else:
            messages.success(request, "Change added; nothing on the roster changed yet.")
            return redirect(plan)
    context = {"plan": plan, "form": form, "is_draft": plan.state == RosterPlan.State.DRAFT}
    context |= _preview_context(plan.changes if context["is_draft"] else [])
    descriptions = context["preview"].descriptions
    if not context["is_draft"]:  # applied or discarded: the changes as they were planned
        descriptions = planning.describe_changes(
            plan.changes, planning.roster_now(), planning.all_teams()
        )
    context["changes"] = list(enumerate(descriptions))
    return render_page(request, "roster/plan.html", context, status=status)


def _act(request, pk: int, action, done: str):
    try:
        plan = _plan(request, pk)
        plan = action(plan)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("roster:plan", pk=pk)
    messages.success(request, done.format(plan=plan))
    return redirect(plan)


@require_POST
def plan_change_remove(request, pk: int, index: int):
    return _act(
        request,
        pk,
        lambda p: planning.plan_change_remove(plan=p, index=index, actor=actor_for(request.user)),
        "Change removed.",
    )


@require_POST
def plan_apply(request, pk: int):
    """Apply every change as one transaction; an overtaken plan is refused with what changed."""
    return _act(
        request,
        pk,
        lambda p: planning.plan_apply(plan=p, actor=actor_for(request.user)),
        "Plan '{plan.name}' applied: the roster changed, each change in the audit trail.",
    )


@require_POST
def plan_discard(request, pk: int):
    return _act(
        request,
        pk,
        lambda p: planning.plan_discard(plan=p, actor=actor_for(request.user)),
        "Plan '{plan.name}' discarded; nothing changed.",
    )
