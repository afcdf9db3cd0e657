"""The /checks/ filter form: severity (and above), code, team."""

from django import forms

from mlteam.registry.checks import CODES
from mlteam.roster.models import Team


class ChecksFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label="Severity",
        required=False,
        choices=[
            ("", "Any"),
            ("high", "High"),
            ("medium", "Medium and above"),
            ("low", "Low and above"),
        ],
    )
    code = forms.ChoiceField(
        label="Check", required=False, choices=[("", "Every check"), *[(c, c) for c in CODES]]
    )
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name").values_list("slug", "name")
        self.fields["team"].choices = [("", "Any team"), *teams]
