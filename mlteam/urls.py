from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "mlteam administration"
admin.site.site_title = "mlteam admin"
admin.site.index_title = "Registry, roster and gates"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("mlteam.core.urls")),
    path("", include("mlteam.registry.urls")),
    path("", include("mlteam.roster.urls")),
    path("", include("mlteam.cards.urls")),
    path("", include("mlteam.evals.urls")),
    path("", include("mlteam.tracking.urls")),
    # /api/v1/ (REST), /api/schema/ (OpenAPI), /api/docs/ (Swagger UI), /account/tokens/
    path("", include("mlteam.api.urls")),
]
