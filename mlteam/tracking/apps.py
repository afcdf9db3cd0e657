from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "mlteam.tracking"
    label = "tracking"
