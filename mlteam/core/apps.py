from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mlteam.core"
    label = "core"
