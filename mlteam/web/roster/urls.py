from django.urls import path

from mlteam.web.roster import views

app_name = "roster"

urlpatterns = [
    path("roster/", views.ratio, name="ratio"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<slug:slug>/", views.team_detail, name="team"),
    path("topology/", views.topology, name="topology"),
]
