from django import forms

from mlteam.roster.models import Team
from mlteam.roster.permissions import is_ml_lead


class ExperimentForm(forms.Form):
    name = forms.CharField()  # its limit is the tracking service's (kernel.limits.NAME)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    hypothesis = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you expect to learn, e.g. 'LoRA rank 16 matches full fine-tuning'.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name")
        if not is_ml_lead(member):
            ids = [member.team_id, member.embedded_in_id] if member else []
            teams = teams.filter(pk__in=[i for i in ids if i])
        self.fields["team"].queryset = teams
        if member is not None:
            self.initial.setdefault("team", member.team_id)


class CompareRunsForm(forms.Form):
    metric = forms.ChoiceField(required=False, label="Compare runs by")
    order = forms.ChoiceField(
        required=False,
        choices=[("asc", "lowest final value first"), ("desc", "highest final value first")],
        label="Order",
    )

    def __init__(self, *args, keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(k, k) for k in keys]
