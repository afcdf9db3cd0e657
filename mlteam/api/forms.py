from django import forms

from mlteam.api.services import DEFAULT_DAYS

LIFETIMES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        help_text="What it is for, e.g. 'nightly training pipeline'.",
        widget=forms.TextInput(attrs={"placeholder": "training pipeline"}),
    )
    days = forms.TypedChoiceField(
        choices=LIFETIMES, coerce=int, initial=DEFAULT_DAYS, label="Expires after"
    )
