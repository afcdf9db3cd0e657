from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The bottom layer: errors, parsing, the htmx page helper, the audit trail, middleware."""

    name = "mlteam.kernel"
    label = "kernel"
