from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "mlteam.cards"
    label = "cards"
