"""The "API tokens" page: a signed-in person creates (seen once), lists and revokes their tokens."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mlteam.api import services
from mlteam.api.forms import TokenForm
from mlteam.api.models import ApiToken
from mlteam.kernel.errors import DomainError


@require_http_methods(["GET", "POST"])
def tokens(request):
    """GET lists the tokens; POST creates one and shows it on this response only (it is never
    stored in plain text, so it cannot be shown again)."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(user=request.user),
        "api_url": request.build_absolute_uri("/"),
    }
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "private, no-store"  # the page may carry a fresh token
    return response


@require_POST
def token_revoke(request, pk: int):
    """Revoking works at once: the next request with the token gets 401."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.token_revoke(token=token, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked {token.name} ({token.display}).")
    return redirect("api:tokens")
