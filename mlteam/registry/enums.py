from django.db import models


class CriterionKind(models.TextChoices):
    MANUAL = "manual", "Manual sign-off"
    METRIC = "metric", "Metric threshold"
    CARD_COMPLETE = "card_complete", "Model card complete"


class Comparator(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"


class PromotionState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
