from django.urls import path

from mlteam.web.roster import planning, views

app_name = "roster"

urlpatterns = [
    path("roster/", views.ratio, name="ratio"),
    path("roster/plan/", planning.plan_list, name="plans"),
    path("roster/plan/<int:pk>/", planning.plan_detail, name="plan"),
    path("roster/plan/<int:pk>/apply/", planning.plan_apply, name="plan-apply"),
    path("roster/plan/<int:pk>/discard/", planning.plan_discard, name="plan-discard"),
    path(
        "roster/plan/<int:pk>/changes/<int:index>/remove/",
        planning.plan_change_remove,
        name="plan-change-remove",
    ),
    path("teams/", views.team_list, name="teams"),
    path("teams/<slug:slug>/", views.team_detail, name="team"),
    path("topology/", views.topology, name="topology"),
]
