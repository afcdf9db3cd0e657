"""Fields shared by the API's serializers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_ID = 2**63 - 1


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "example": 0.913})
class ScoreField(serializers.Field):
    """A score as a JSON number or a numeric string; the engine's ``parse_score`` judges it, so
    "nan" or "abc" get the same message everywhere."""

    def to_internal_value(self, data):
        if isinstance(data, dict | list):
            raise serializers.ValidationError("Send the value as a number, e.g. 0.913.")
        return data

    def to_representation(self, value):
        return value


def no_nul(value) -> None:
    """PostgreSQL cannot store NUL characters (or lone surrogates) in text or JSON."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("Text must not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(
                "Text must be valid Unicode (no lone surrogates)."
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            no_nul(key)
            no_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            no_nul(item)


class SafeJSONField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        no_nul(value)
        return value
