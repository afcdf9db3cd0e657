from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every HTML page: thin views over the domain services and selectors."""

    name = "mlteam.web"
    label = "web"
