from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mlteam.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the OpenAPI description of the token authentication with drf-spectacular.
        from mlteam.api import authentication, token_cache  # noqa: F401

        token_cache.connect()
