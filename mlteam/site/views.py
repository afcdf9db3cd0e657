"""Pages that belong to no single app: the dashboard, the liveness and readiness checks."""

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from mlteam.site.selectors import dashboard_context


@require_GET
def dashboard(request):
    """What needs the signed-in person first, then the state of the registry."""
    return render(request, "core/dashboard.html", dashboard_context(request.user))


log = logging.getLogger(__name__)
_migrated = False  # once this process saw every migration applied, it need not look again


@login_not_required
@require_GET
def health(request):
    """Liveness: the process answers. Needs neither the database nor the cache, so a database
    outage does not make a load balancer restart every app server."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} migration(s) not applied: run manage.py migrate"
        _migrated = True
    return "ok"


def _check_cache() -> str:
    probe = uuid.uuid4().hex
    cache.set("ready-probe", probe, 10)
    return "ok" if cache.get("ready-probe") == probe else "the cache does not keep values"


@login_not_required
@require_GET
def ready(request):
    """Readiness: 200 when the database answers, every migration is applied and the cache
    works; 503 JSON naming what is not ready otherwise (take this server out of rotation)."""
    checks = {}
    for name, check in (
        ("database", _check_database),
        ("migrations", _check_migrations),
        ("cache", _check_cache),
    ):
        if name == "migrations" and checks["database"] != "ok":
            checks[name] = "unknown: the database does not answer"
            continue
        try:
            checks[name] = check()
        except Exception as error:  # report it, whatever broke
            log.warning("readiness check %s failed: %s", name, error)
            checks[name] = f"failed: {type(error).__name__}"
    failing = [name for name, state in checks.items() if state != "ok"]
    if not failing:
        return JsonResponse({"status": "ready", "checks": checks})
    response = JsonResponse(
        {
            "error": "service_unavailable",
            "detail": f"Not ready: {', '.join(failing)}.",
            "checks": checks,
        },
        status=503,
    )
    response["Retry-After"] = "5"
    return response


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that do not name one (the admin's): point them
    at ours instead of answering 404."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
