"""Small view helpers shared by the cards, evals and tracking pages."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from mlteam.kernel.errors import DomainError


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only ``partial`` of it for an htmx request (``Vary: HX-Request``)."""
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
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
