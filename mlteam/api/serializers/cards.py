"""Model cards over the API: JSON (the shape of ``card_to_dict``), section edits and imports."""

from rest_framework import serializers

from mlteam.cards.services import SECTION_FIELDS


class CardResultSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    benchmark_name = serializers.CharField()
    metric = serializers.CharField()
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    dataset_version = serializers.CharField()
    value = serializers.FloatField()
    recorded_at = serializers.DateTimeField()
    run = serializers.IntegerField(allow_null=True)


class CardSerializer(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.IntegerField()
    stage = serializers.CharField()
    sections = serializers.DictField(child=serializers.CharField(allow_blank=True))
    headings = serializers.DictField(child=serializers.CharField())
    risk_rating = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    metadata = serializers.DictField(
        help_text="Hugging Face front-matter keys the card has no section for (base_model, "
        "datasets, language, library_name, metrics, license_link…), exported as they came."
    )
    complete = serializers.BooleanField()
    missing_sections = serializers.ListField(child=serializers.CharField())
    eval_results = CardResultSerializer(many=True, help_text="Recorded results, never typed in.")
    updated_at = serializers.DateTimeField(allow_null=True)


class CardImportResultSerializer(CardSerializer):
    import_notes = serializers.ListField(
        child=serializers.CharField(), help_text="What the import did not take over, and why."
    )
    changed_sections = serializers.ListField(child=serializers.CharField())


def _section_field():
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class CardPatchSerializer(serializers.Serializer):
    """Any subset of the sections, plus ``risk_rating`` and ``tags``."""

    risk_rating = serializers.CharField(required=False, allow_blank=True, max_length=8)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=30
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in SECTION_FIELDS:
            fields[name] = _section_field()
        return fields


class CardImportSerializer(serializers.Serializer):
    markdown = serializers.CharField(
        trim_whitespace=False, help_text="A Hugging Face README.md (YAML front matter + sections)."
    )
