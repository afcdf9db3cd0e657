"""The one page-or-partial helper and the refusal helpers every HTML page uses.

Refusals take one of two forms, by whether a form is on screen: a form re-renders with the
engine's message (``form_status``: 200 for htmx, which swaps only 2xx answers), and an action
without a form is refused with ``refuse`` (JSON for htmx, which mlteam.js shows; else a page).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from mlteam.kernel.errors import DomainError


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def partial_wanted(request: HttpRequest) -> bool:
    """htmx asks for a fragment, except when restoring history (Back after the cache was
    evicted), which needs the whole page."""
    return is_htmx(request) and not request.htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only ``partial`` of it for an htmx request (``Vary: HX-Request``)."""
    name = f"{template}#{partial}" if partial and partial_wanted(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def refuse(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A refusal people can act on: JSON for htmx (mlteam.js shows ``detail``), else a page."""
    if is_htmx(request):
        body = {"error": error.code, "detail": error.message}
        return JsonResponse(body, status=error.http_status)
    return render(request, "cards/refused.html", {"error": error}, status=error.http_status)


def form_status(request: HttpRequest, error: DomainError) -> int:
    """Status of a form re-rendered with a domain error: htmx only swaps 2xx answers."""
    return 200 if is_htmx(request) else error.http_status


def posted(request: HttpRequest) -> tuple:
    """``(data, files)`` to bind a form: bound on POST even when the body is empty."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None
