from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The Django admin of the domain apps; edits go through the services."""

    name = "mlteam.backoffice"
    label = "backoffice"
