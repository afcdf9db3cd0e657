from django.apps import AppConfig


class EvalsConfig(AppConfig):
    name = "mlteam.evals"
    label = "evals"
