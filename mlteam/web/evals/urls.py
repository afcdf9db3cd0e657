from django.urls import path

from mlteam.web.evals import views

app_name = "evals"

urlpatterns = [
    path("benchmarks/", views.benchmark_list, name="benchmarks"),
    path("benchmarks/new/", views.benchmark_form, name="benchmark_create"),
    path("benchmarks/<slug:slug>/", views.benchmark_leaderboard, name="benchmark"),
    path("benchmarks/<slug:slug>/edit/", views.benchmark_form, name="benchmark_edit"),
    path("models/<slug:name>/v<int:version>/evals/record/", views.record_result, name="record"),
    path("models/<slug:name>/compare/", views.compare_versions, name="compare"),
]
