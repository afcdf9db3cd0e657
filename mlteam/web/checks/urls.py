from django.urls import path

from mlteam.web.checks import views

app_name = "checks"

urlpatterns = [path("checks/", views.checks_page, name="checks")]
