from django.urls import path

from mlteam.web.interop import views

app_name = "interop"

urlpatterns = [
    path("imports/mlflow/", views.mlflow_imports_page, name="mlflow_imports"),
]
