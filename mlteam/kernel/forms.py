"""Forms whose input rules the services own (length limits, the name rule).

Django's own checks would answer the same fault in other words ("Ensure this value has at most
120 characters", "Enter a valid slug"); these forms drop them and ask the services' rules
instead, so a page or the admin shows exactly the API's message.
"""

from collections.abc import Callable
from typing import ClassVar

from django.core import validators

from mlteam.kernel import limits
from mlteam.kernel.errors import DomainError

DJANGO_TEXT_VALIDATORS = (validators.MaxLengthValidator, validators.RegexValidator)


class ServiceRulesFormMixin:
    """``text_limits``: field → limit (kernel.limits); ``field_rules``: field → a function
    returning the service's refusal of a value or None (e.g. ``model_name_refusal``)."""

    text_limits: ClassVar[dict[str, int]] = {}
    field_rules: ClassVar[dict[str, Callable]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in {*self.text_limits, *self.field_rules}:
            field = self.fields.get(name)
            if field is None:
                continue
            field.validators = [
                v for v in field.validators if not isinstance(v, DJANGO_TEXT_VALIDATORS)
            ]
            if hasattr(field, "max_length"):
                field.max_length = None
            if name in self.field_rules:
                field.strip = False  # the rule judges the name as typed
            if name in self.text_limits:
                field.widget.attrs["maxlength"] = str(self.text_limits[name])

    def clean(self):
        cleaned = super().clean()
        for name, rule in self.field_rules.items():
            if name in self.fields and name in cleaned:
                refusal = rule(cleaned[name])
                if refusal is not None:
                    self.add_error(name, refusal.message)
        for name, limit in self.text_limits.items():
            value = cleaned.get(name)
            if name in self.fields and isinstance(value, str):
                try:
                    limits.require_max_length(name, value, limit)
                except DomainError as error:
                    self.add_error(name, error.message)
        return cleaned
