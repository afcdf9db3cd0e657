from django.urls import path

from mlteam.web.tracking import views

app_name = "tracking"

urlpatterns = [
    path("experiments/", views.experiment_list_page, name="experiments"),
    path("experiments/new/", views.experiment_create_page, name="experiment_create"),
    path("experiments/<int:pk>/", views.experiment_page, name="experiment"),
    path("runs/<int:pk>/", views.run_page, name="run"),
]
