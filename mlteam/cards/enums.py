from django.db import models


class RiskRating(models.TextChoices):
    UNRATED = "", "Not rated"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
