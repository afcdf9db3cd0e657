from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "mlteam administration"
admin.site.site_title = "mlteam admin"
admin.site.index_title = "Registry, roster and gates"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("mlteam.site.urls")),
    path("", include("mlteam.web.registry.urls")),
    path("", include("mlteam.web.roster.urls")),
    path("", include("mlteam.web.cards.urls")),
    path("", include("mlteam.web.evals.urls")),
    path("", include("mlteam.web.tracking.urls")),
    path("", include("mlteam.web.notifications.urls")),
    path("", include("mlteam.web.checks.urls")),
    # /api/v1/ (REST), /api/schema/ (OpenAPI), /api/docs/ (Swagger UI), /account/tokens/
    path("", include("mlteam.api.urls")),
]
