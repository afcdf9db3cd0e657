"""Model card pages: read, edit a section over htmx, export and import."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from mlteam.cards.exchange import card_import_markdown, card_to_dict, card_to_markdown
from mlteam.cards.services import card_edit_refusal, card_require_editor, card_update
from mlteam.kernel.errors import DomainError
from mlteam.kernel.htmx import form_status, is_htmx, posted, refuse, render_page
from mlteam.registry.card_selectors import (
    card_for_version,
    card_scores,
    card_sections,
    production_history,
    stage_history,
)
from mlteam.roster.permissions import member_of
from mlteam.web.cards.forms import EDIT_FIELDS, HEADINGS, CardImportForm, SectionForm

TOP_SECTIONS = ["summary", "failure_modes"]


def _card_url(card) -> str:
    artifact = card.artifact
    return reverse("cards:card", args=[artifact.model.name, artifact.version])


def _section_context(request, card, section: str) -> dict:
    view = next((s for s in card_sections(card) if s.name == section), None)
    member = member_of(request.user)
    return {
        "card": card,
        "section": view or _tags_section(card),
        "can_edit": card_edit_refusal(card=card, actor=member) is None,
    }


def _tags_section(card):
    from mlteam.registry.card_selectors import SectionView

    return SectionView("tags", "Tags", ", ".join(card.tags), False)


def _page_context(request, card) -> dict:
    artifact = card.artifact
    scores, unmeasured = card_scores(artifact)
    spells = production_history(artifact.model)
    current = next((s for s in spells if s.end is None), None)
    others = list(
        artifact.model.artifacts.exclude(pk=artifact.pk)
        .order_by("-version")
        .values_list("version", flat=True)
    )
    sections = {s.name: s for s in card_sections(card)}
    return _section_context(request, card, "summary") | {
        "artifact": artifact,
        "model": artifact.model,
        "scores": scores,
        "unmeasured": unmeasured,
        "production_spells": spells,
        "in_production": current,
        "stage_events": stage_history(artifact),
        "top_sections": [sections[name] for name in TOP_SECTIONS],
        "other_sections": [s for name, s in sections.items() if name not in TOP_SECTIONS]
        + [_tags_section(card)],
        "compare": _compare_pair(artifact, current, others),
    }


def _compare_pair(artifact, current, others: list[int]) -> tuple[int, int] | None:
    """(baseline, candidate) for "Compare versions": production against the newest other
    version when this one is in production, else production (or the newest other) against this.
    """
    if not others:
        return None
    if current and current.artifact.pk == artifact.pk:
        return artifact.version, others[0]
    baseline = current.artifact.version if current else others[0]
    return baseline, artifact.version


@require_GET
def card_page(request, name: str, version: int):
    """The page a product engineer reads before adopting a version: stage, scores, risks."""
    card = card_for_version(name, version)
    return render_page(request, "cards/card.html", _page_context(request, card))


@require_GET
def section_show(request, name: str, version: int, section: str):
    """One section as shown on the page: what "Cancel" in a section's edit form swaps back."""
    card = card_for_version(name, version)
    if section not in EDIT_FIELDS:
        raise Http404("No such card section.")
    if not is_htmx(request):  # a shared or bookmarked section link: the card, at that section
        return redirect(f"{_card_url(card)}#section-{section}")
    context = _section_context(request, card, section)
    return render_page(request, "cards/card.html", context, partial="section")


@require_http_methods(["GET", "POST"])
def section_edit(request, name: str, version: int, section: str):
    """Edit one section; saving answers with the section and the refreshed completeness."""
    card = card_for_version(name, version)
    if section not in EDIT_FIELDS:
        raise Http404("No such card section.")
    member = member_of(request.user)
    try:
        card_require_editor(card=card, actor=member)
    except DomainError as error:
        return refuse(request, error)
    form = SectionForm(posted(request)[0], card=card, section=section)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            card_update(card=card, actor=member, changes=form.changes())
        except DomainError as error:
            form.add_error(None, error.message)
            status = form_status(request, error)
        else:
            if not is_htmx(request):
                return redirect(f"{_card_url(card)}#section-{section}")
            context = _section_context(request, card, section) | {"saved": True}
            return render_page(request, "cards/card.html", context, partial="section_saved")
    context = {"card": card, "form": form, "section": section, "heading": HEADINGS[section]}
    return render_page(
        request, "cards/section_edit.html", context, partial="section_form", status=status
    )


@require_GET
def card_export(request, name: str, version: int):
    """Download the card: Markdown with Hugging Face front matter (default) or JSON."""
    card = card_for_version(name, version)
    fmt = request.GET.get("format", "md")
    if fmt == "json":
        body = json.dumps(card_to_dict(card), indent=2, ensure_ascii=False) + "\n"
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif fmt in ("md", "markdown"):
        fmt = "md"
        response = HttpResponse(card_to_markdown(card), content_type="text/markdown; charset=utf-8")
    else:
        message = f"Unknown export format '{fmt}'; use ?format=md or ?format=json."
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    filename = f"{name}-v{version}-card.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def card_import(request, name: str, version: int):
    """Replace the card's sections from a README.md; nothing changes when the file is bad."""
    card = card_for_version(name, version)
    member = member_of(request.user)
    try:
        card_require_editor(card=card, actor=member)
    except DomainError as error:
        return refuse(request, error)
    form = CardImportForm(*posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            imported = card_import_markdown(
                card=card,
                text=form.cleaned_data["markdown"],
                actor=member,
                keep_missing=form.cleaned_data["keep_missing"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.http_status
        else:
            changed = ", ".join(HEADINGS.get(n, n) for n in imported.changed) or "nothing"
            messages.success(request, f"Card imported. Changed: {changed}.")
            for note in imported.notes:
                messages.info(request, note)
            return redirect(_card_url(card))
    context = {"card": card, "artifact": card.artifact, "form": form}
    return render_page(request, "cards/import.html", context, status=status)
