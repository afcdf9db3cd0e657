from django.db import models


class TeamKind(models.TextChoices):
    ML = "ml", "ML team"
    PLATFORM = "platform", "Platform team"
    AGENT = "agent", "Agent team"
    PRODUCT = "product", "Product team"
    HYBRID = "hybrid", "Hybrid team"


class Orientation(models.TextChoices):
    RESEARCH = "research", "Research"
    PRODUCTION = "production", "Production"


class InteractionMode(models.TextChoices):
    """Team Topologies interaction modes."""

    COLLABORATION = "collaboration", "Collaboration"
    X_AS_A_SERVICE = "x_as_a_service", "X-as-a-service"
    FACILITATING = "facilitating", "Facilitating"
