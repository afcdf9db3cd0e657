"""Pages that belong to no single app: the dashboard and the health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from mlteam.site.selectors import dashboard_context


@require_GET
def dashboard(request):
    """What needs the signed-in person first, then the state of the registry."""
    return render(request, "core/dashboard.html", dashboard_context(request.user))


@login_not_required
@require_GET
def health(request):
    """For load balancers and `make run`: answers without a login, checks the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that do not name one (the admin's): point them
    at ours instead of answering 404."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
