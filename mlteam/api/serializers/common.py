"""Fields shared by the API's serializers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "number", "example": 0.913})
class ScoreField(serializers.Field):
    """A score as a JSON number, passed on as sent: the engine's ``score_value`` judges it, so
    "0.97", true, NaN or an object get ``invalid_value`` ("send a number") everywhere."""

    def to_internal_value(self, data):
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
