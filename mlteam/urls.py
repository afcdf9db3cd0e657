from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "mlteam administration"
admin.site.site_title = "mlteam admin"
admin.site.index_title = "Registry, roster and gates"
# No app list down the left of every admin page: it repeats the index and took the width the
# member list needs (its last columns were cut off at 1366 px).
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # First: an API call (the hot path for pipelines) is resolved without trying every page's
    # pattern; pages pay three quick misses (the tokens pages and the "api/" prefix).
    # /api/v1/ (REST), /api/schema/ (OpenAPI), /api/docs/ (Swagger UI), /account/tokens/
    path("", include("mlteam.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("mlteam.site.urls")),
    path("", include("mlteam.web.registry.urls")),
    path("", include("mlteam.web.roster.urls")),
    path("", include("mlteam.web.cards.urls")),
    path("", include("mlteam.web.evals.urls")),
    path("", include("mlteam.web.tracking.urls")),
    path("", include("mlteam.web.notifications.urls")),
    path("", include("mlteam.web.interop.urls")),
    path("", include("mlteam.web.checks.urls")),
]

# Our error pages (with navigation) and, under /api/, the API's JSON shape; 500 and 503 never
# show a stack trace or a setting.
handler400 = "mlteam.kernel.faults.bad_request"
handler403 = "mlteam.kernel.faults.permission_denied"
handler404 = "mlteam.kernel.faults.page_not_found"
handler500 = "mlteam.kernel.faults.server_error"
