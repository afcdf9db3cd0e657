"""Forms of the rebalancing planner; the planner's services validate again and have the last
word (their refusals are shown on the form)."""

from django import forms

from mlteam.roster.enums import Orientation
from mlteam.roster.models import MLTeamMember, Role, Team
from mlteam.roster.planning import KINDS


class PlanForm(forms.Form):
    name = forms.CharField(label="Plan name", max_length=160)
    note = forms.CharField(label="Why", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeForm(forms.Form):
    """One change; which fields matter depends on the kind (the service checks the rest)."""

    kind = forms.ChoiceField(label="Change", choices=list(KINDS.items()))
    member = forms.ModelChoiceField(
        label="Person",
        required=False,
        queryset=MLTeamMember.objects.filter(left_on__isnull=True).select_related("user", "team"),
    )
    team = forms.ModelChoiceField(
        label="Team", required=False, queryset=Team.objects.order_by("name"),
        help_text="Move to, embed in (empty: end the embedding) or hire into.",
    )  # fmt: skip
    orientation = forms.ChoiceField(
        label="Orientation", required=False, choices=[("", "—"), *Orientation.choices]
    )
    role = forms.ModelChoiceField(label="Role", required=False, queryset=Role.objects.all())
    title = forms.CharField(
        label="Hire title", required=False, max_length=160,
        help_text="e.g. production engineer for Foundation Models",
    )  # fmt: skip

    def change(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "member": data["member"].pk if data.get("member") else None,
            "team": data["team"].pk if data.get("team") else None,
            "orientation": data.get("orientation") or None,
            "role": data["role"].pk if data.get("role") else None,
            "title": data.get("title") or "",
        }
