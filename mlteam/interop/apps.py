from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "mlteam.interop"
    label = "interop"
    verbose_name = "Interoperability (MLflow import)"
    default_auto_field = "django.db.models.BigAutoField"
