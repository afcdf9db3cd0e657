from django.urls import path

from mlteam.web.registry import views

app_name = "registry"

urlpatterns = [
    path("models/", views.model_list, name="models"),
    path("models/<slug:name>/", views.model_detail, name="model"),
    path("models/<slug:name>/v<int:version>/", views.version_detail, name="version"),
    path(
        "models/<slug:name>/v<int:version>/request-promotion/",
        views.version_request_promotion,
        name="request_promotion",
    ),
    path("promotions/", views.promotion_list, name="promotions"),
    path("promotions/<int:pk>/", views.promotion_detail, name="promotion"),
    path(
        "promotions/<int:pk>/items/<int:item_pk>/tick/", views.promotion_tick, name="promotion_tick"
    ),
    path("promotions/<int:pk>/approve/", views.promotion_approve, name="promotion_approve"),
    path("promotions/<int:pk>/reject/", views.promotion_reject, name="promotion_reject"),
    path("promotions/<int:pk>/withdraw/", views.promotion_withdraw, name="promotion_withdraw"),
]
