from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top layer: dashboard, navigation, health, the demo and operator commands."""

    name = "mlteam.site"
    label = "site"
