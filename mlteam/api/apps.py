from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mlteam.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the OpenAPI description of the token authentication with drf-spectacular.
        from mlteam.api import authentication, services, token_cache  # noqa: F401
        from mlteam.roster import hooks

        token_cache.connect()
        # A leaver's tokens are revoked inside member_leave's transaction (the roster cannot
        # import the API: it registers here).
        hooks.on_member_leave(services.tokens_revoke_for_leaver)
