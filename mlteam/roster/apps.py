from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "mlteam.roster"
    label = "roster"
