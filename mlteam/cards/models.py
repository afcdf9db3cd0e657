"""Model cards: the document a product team reads before adopting a model version.

Evaluation scores are deliberately absent: the card shows the recorded eval results.
"""

from django.db import models

from mlteam.cards.enums import RiskRating

# (field name, heading) in reading order; every one is required for a card to be complete.
REQUIRED_SECTIONS: list[tuple[str, str]] = [
    ("summary", "Summary"),
    ("architecture", "Architecture"),
    ("training_data", "Training data"),
    ("intended_uses", "Intended uses"),
    ("out_of_scope_uses", "Out-of-scope uses"),
    ("failure_modes", "Known failure modes"),
    ("limitations_and_risks", "Limitations and risks"),
    ("ethical_considerations", "Ethical considerations"),
    ("license", "License"),
    ("contact", "Contact"),
]
# What decides whether a card is complete: the required sections and the risk rating.
CARD_COMPLETENESS_FIELDS = (*(field for field, _ in REQUIRED_SECTIONS), "risk_rating")


def missing_sections_of(card: dict) -> list[str]:
    """Headings of the required sections empty in ``card`` (``CARD_COMPLETENESS_FIELDS`` to
    their values): a card's own, or a row read without the card (the API's version lists).

    Limitations and risks need their risk rating too: it is what a product team reads first.
    """
    missing = []
    for field, heading in REQUIRED_SECTIONS:
        if not card[field].strip():
            missing.append(heading)
        if field == "limitations_and_risks" and not card["risk_rating"]:
            missing.append("Risk rating")
    return missing


OPTIONAL_SECTIONS: list[tuple[str, str]] = [
    ("additional_information", "Additional information"),
]


class ModelCard(models.Model):
    artifact = models.OneToOneField(
        "registry.ModelArtifact", on_delete=models.PROTECT, related_name="card"
    )
    summary = models.TextField(blank=True)
    architecture = models.TextField(blank=True)
    training_data = models.TextField(blank=True)
    intended_uses = models.TextField(blank=True, help_text="Recommended use cases.")
    out_of_scope_uses = models.TextField(blank=True)
    failure_modes = models.TextField(blank=True)
    limitations_and_risks = models.TextField(blank=True)
    risk_rating = models.CharField(
        max_length=8, choices=RiskRating.choices, blank=True, default=RiskRating.UNRATED
    )
    ethical_considerations = models.TextField(blank=True)
    license = models.CharField(max_length=120, blank=True)
    contact = models.CharField(max_length=255, blank=True)
    additional_information = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Hugging Face front-matter keys we have no section for (base_model, datasets, language,
    # library_name, metrics, license_link, pipeline_tag…), exported back as they came.
    metadata = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "roster.MLTeamMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "model card"

    def __str__(self) -> str:
        return f"Card of {self.artifact}"

    @property
    def missing_sections(self) -> list[str]:
        """Headings of required sections that are still empty (what "card complete" checks).

        Limitations and risks need their risk rating too: it is what a product team reads first.
        """
        return missing_sections_of(
            {field: getattr(self, field) for field in CARD_COMPLETENESS_FIELDS}
        )

    @property
    def is_complete(self) -> bool:
        return not self.missing_sections
