"""Registry pages: browse models and versions, request promotions and sign off gates.

Thin adapters: reads come from ``selectors``, every write calls ``mlteam.registry.services``, and
a refusal (a DomainError) is shown inline with status 200, because htmx does not swap 4xx
answers. One URL per page; with htmx a view renders only the partial that changes.
"""

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_tables2 import RequestConfig

from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import DomainError, InvalidInput, NotAllowed
from mlteam.kernel.htmx import render_page
from mlteam.registry import rules, selectors, services
from mlteam.registry.models import ChecklistItem, Model, ModelArtifact, PromotionRequest
from mlteam.roster.permissions import is_ml_lead, member_of
from mlteam.web.registry.filters import ModelFilter, PromotionFilter
from mlteam.web.registry.forms import (
    DecisionForm,
    ItemTickForm,
    PromotionRequestForm,
    RejectForm,
    form_problem,
)
from mlteam.web.registry.tables import ModelTable, PromotionTable

PER_PAGE = 25
MAX_PER_PAGE = 100
VERSIONS_PER_PAGE = 20  # versions on a model's page
MODEL_TIMELINE = 50  # events on a model's page: the latest few, the rest folded away
MODEL_TIMELINE_SHOWN = 8
INBOX_TABS = [("waiting", "Waiting for me"), ("requested", "Requested by me"), ("all", "All")]


def _actor(request):
    member = member_of(request.user)
    if member is None:
        raise NotAllowed("no_roster_entry", "You have no roster entry; ask an ML lead to add you.")
    return member


def _paginate(request, table) -> None:
    """Sort and page from the query string (``?sort=&page=&per_page=``); the page size is capped
    so that no URL can ask for the whole registry at once."""
    RequestConfig(request, paginate=False).configure(table)
    try:
        per_page = min(max(int(request.GET.get("per_page", PER_PAGE)), 1), MAX_PER_PAGE)
    except ValueError:
        per_page = PER_PAGE
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=per_page)
    except PageNotAnInteger:
        table.paginate(page=1, per_page=per_page)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, per_page=per_page)


def _valid(form) -> dict:
    if not form.is_valid():
        raise InvalidInput("invalid_form", form_problem(form))
    return form.cleaned_data


# --- Registry, model and version pages -----------------------------------------------------------


@require_GET
def model_list(request):
    """The registry table; with htmx, filtering, sorting and paging swap only the table."""
    filterset = ModelFilter(request.GET, queryset=selectors.models_for_registry())
    table = ModelTable(filterset.qs)
    _paginate(request, table)
    context = {"filter": filterset, "table": table}
    return render_page(request, "registry/model_list.html", context, partial="table")


@require_GET
def model_detail(request, name: str):
    """A model: its versions (production marked) with key scores, consumers and timeline."""
    model = get_object_or_404(Model.objects.select_related("team"), name=name)
    # Newest first, VERSIONS_PER_PAGE at a time: a model with hundreds of versions stays one page
    # of rows and a fixed number of queries; older versions are on the next pages.
    page = Paginator(selectors.model_version_list(model), VERSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    versions = selectors.versions_with_scores(list(page.object_list))
    events = list(
        selectors.model_timeline(model).select_related("artifact__model")[:MODEL_TIMELINE]
    )
    context = {
        "model": model,
        "versions": versions,
        "versions_page": page,
        "production": model.artifacts.filter(status=Stage.PRODUCTION).first(),
        "consumers": selectors.model_consumers(model),
        "timeline_recent": events[:MODEL_TIMELINE_SHOWN],
        "timeline_earlier": events[MODEL_TIMELINE_SHOWN:],
    }
    return render_page(request, "registry/model_detail.html", context)


def _artifact_or_404(name: str, version: int) -> ModelArtifact:
    try:
        return selectors.artifact_for_page(name, version)
    except ModelArtifact.DoesNotExist:
        raise Http404(f"{name} has no version {version}.") from None


def _version_context(request, artifact: ModelArtifact, **extra) -> dict:
    member = member_of(request.user)
    gates = selectors.next_gates(artifact)
    request_refusal = rules.may_request(artifact, member)
    return {
        "artifact": artifact,
        "model": artifact.model,
        "card": getattr(artifact, "card", None),
        "gates": gates,
        "scores": selectors.version_scores(artifact, gates),
        "pending": selectors.pending_request_of(artifact),
        "can_request": request_refusal is None,
        "request_refusal": request_refusal,
        "timeline": selectors.artifact_timeline(artifact).reverse(),  # newest first
        **extra,
    }


@require_GET
def version_detail(request, name: str, version: int):
    """One version: stage, lineage, scores against the next gate, card, timeline, next steps."""
    artifact = _artifact_or_404(name, version)
    return render_page(request, "registry/version_detail.html", _version_context(request, artifact))


@require_POST
def version_request_promotion(request, name: str, version: int):
    """Ask for the next stage; the engine checks the protocol, the team and pending requests."""
    artifact = _artifact_or_404(name, version)
    form = PromotionRequestForm(request.POST)
    try:
        data = _valid(form)
        promotion = services.promotion_request(
            artifact=artifact, to_stage=data["to_stage"], actor=_actor(request), note=data["note"]
        )
    except DomainError as error:
        context = _version_context(request, artifact, request_error=error.message, form=form)
        return render_page(
            request, "registry/version_detail.html", context, partial="promotion_request"
        )
    messages.success(
        request,
        f"Requested {artifact} {promotion.from_stage} → {promotion.to_stage}; it now waits for "
        f"a holder of '{promotion.responsible_role.name}'.",
    )
    url = promotion.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- Promotions ----------------------------------------------------------------------------------


@require_GET
def promotion_list(request):
    """The inbox: what waits for my sign-off, what I asked for, and every request."""
    member = member_of(request.user)
    waiting = selectors.promotions_waiting_for(member)
    counts = {
        "waiting": waiting.count(),
        "requested": selectors.promotions_requested_by(member).count(),
    }
    tab = request.GET.get("show") or ("waiting" if counts["waiting"] else "all")
    querysets = {"waiting": waiting, "requested": selectors.promotions_requested_by(member)}
    filterset = PromotionFilter(
        request.GET, queryset=querysets.get(tab, selectors.promotions_for_list())
    )
    table = PromotionTable(filterset.qs)
    _paginate(request, table)
    context = {"tab": tab if tab in querysets else "all", "tabs": INBOX_TABS, "counts": counts}
    context |= {"filter": filterset, "table": table}
    return render_page(request, "registry/promotion_list.html", context, partial="inbox")


def _promotion_or_404(pk: int) -> PromotionRequest:
    try:
        return selectors.promotion_for_page(pk)
    except PromotionRequest.DoesNotExist:
        raise Http404(f"There is no promotion request #{pk}.") from None


def _promotion_context(request, promotion: PromotionRequest, **extra) -> dict:
    member = member_of(request.user)
    checks = selectors.promotion_checks(promotion)
    rights = selectors.signoff_rights(
        promotion, member, checks, member_is_ml_lead=is_ml_lead(member)
    )
    context = {"promotion": promotion, "artifact": promotion.artifact, "checks": checks}
    context |= {"rights": rights, "events": selectors.promotion_events(promotion)}
    context["satisfied_count"] = sum(1 for check in checks if check.satisfied)
    context["progress"] = selectors.approval_progress(promotion)
    if not promotion.is_pending and member is not None and promotion.decided_by_id == member.pk:
        # Whoever just decided sees what waits for them next.
        waiting = selectors.promotions_waiting_for(member).exclude(pk=promotion.pk)
        queue = list(waiting.order_by("requested_at")[:1])
        context["shows_next"] = True
        context["next_waiting"] = queue[0] if queue else None
        context["waiting_more"] = max(waiting.count() - 1, 0) if queue else 0
    if "tick_item" in extra:  # the one item an htmx tick re-renders
        context["check"] = next(c for c in checks if c.item.pk == extra["tick_item"])
    return context | extra


@require_GET
def promotion_detail(request, pk: int):
    """The gate: every checklist item with its evidence, and what the viewer may do about it."""
    promotion = _promotion_or_404(pk)
    return render_page(
        request, "registry/promotion_detail.html", _promotion_context(request, promotion)
    )


def _after_action(request, pk: int, partial: str, refused: bool = False, **extra):
    """htmx: re-render the changed part (messages out of band). Without JS: back to the page,
    or, when the engine refused, the page with the refusal inline."""
    if not request.htmx and not refused:
        return redirect("registry:promotion", pk=pk)
    context = _promotion_context(request, _promotion_or_404(pk), **extra)
    return render_page(request, "registry/promotion_detail.html", context, partial=partial)


@require_POST
def promotion_tick(request, pk: int, item_pk: int):
    """Sign off (or un-sign) one manual item; htmx swaps that item and the actions."""
    promotion = _promotion_or_404(pk)
    item = get_object_or_404(ChecklistItem, pk=item_pk, request=promotion)
    form = ItemTickForm(request.POST)
    try:
        data = _valid(form)
        services.promotion_item_tick(
            item=item, actor=_actor(request), evidence=data["evidence"], ticked=data["ticked"]
        )
    except DomainError as error:
        return _after_action(
            request,
            pk,
            "tick_response",
            refused=True,
            tick_item=item.pk,
            item_error={item.pk: error.message},
            posted={item.pk: form.data.get("evidence", "")},
        )
    messages.success(request, f"Saved your sign-off of '{item.statement}'.")
    return _after_action(request, pk, "tick_response", tick_item=item.pk)


def _decide(request, pk: int, act, form_class=DecisionForm, field: str = "note"):
    """Run one decision through the engine; ``act`` returns the confirmation message."""
    promotion = _promotion_or_404(pk)
    try:
        done = act(promotion, _actor(request), _valid(form_class(request.POST))[field])
    except DomainError as error:
        return _after_action(
            request,
            pk,
            "body_response",
            refused=True,
            action_error=error.message,
            reject_open=field == "reason",  # the folded reject box stays open on its error
        )
    messages.success(request, done)
    return _after_action(request, pk, "body_response")


@require_POST
def promotion_approve(request, pk: int):
    """Add the viewer's approval; the last one a K-of-N gate needs moves the version at once.
    The page body re-renders in place."""

    def act(promotion, actor, note):
        done = services.promotion_approve(request=promotion, actor=actor, note=note)
        if done.is_pending:
            progress = selectors.approval_progress(done)
            return (
                f"Added your approval ({progress.label}); {promotion.artifact} moves to "
                f"{promotion.to_stage} when {progress.still_needed} more "
                f"{'holder approves' if progress.still_needed == 1 else 'holders approve'}."
            )
        replaced = (
            f"; v{promotion.replaces.version} is now deprecated" if promotion.replaces else ""
        )
        return f"Approved: {promotion.artifact} is now in {promotion.to_stage}{replaced}."

    return _decide(request, pk, act)


@require_POST
def promotion_reject(request, pk: int):
    """Reject with a reason (the engine requires one); the version stays where it is."""

    def act(promotion, actor, reason):
        services.promotion_reject(request=promotion, actor=actor, reason=reason)
        return f"Rejected #{promotion.pk}; {promotion.artifact} stays in {promotion.from_stage}."

    return _decide(request, pk, act, RejectForm, field="reason")


@require_POST
def promotion_withdraw(request, pk: int):
    """The requester (or an ML lead) takes the request back."""

    def act(promotion, actor, note):
        services.promotion_withdraw(request=promotion, actor=actor, note=note)
        return f"Withdrew #{promotion.pk}; {promotion.artifact} stays in {promotion.from_stage}."

    return _decide(request, pk, act)
