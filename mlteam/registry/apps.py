from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mlteam.registry"
    label = "registry"
