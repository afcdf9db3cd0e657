"""Admin forms of the roster. They only collect input: the roster services validate it (the same
checks run in ``clean`` so refusals show next to the field) and make every change."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.models import User

from mlteam.kernel import limits
from mlteam.kernel.errors import DomainError
from mlteam.kernel.forms import ServiceRulesFormMixin
from mlteam.roster import services
from mlteam.roster.membership import embedding_refusal
from mlteam.roster.models import MLTeamMember, OrientationTarget, Team
from mlteam.roster.team_services import schedule_parse, share_parse, team_slug_refusal

MEMBER_FIELDS = ["role", "orientation", "team", "embedded_in"]
FIELD_OF_CODE = {"embedded_in_own_team": "embedded_in", "unknown_orientation": "orientation"}


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date + time inputs, each with its own accessible name (the admin writes
    "Date:" and "Time:" as bare text, and its label points at neither)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = "Date (YYYY-MM-DD)"
        self.widgets[1].attrs["aria-label"] = "Time (HH:MM:SS)"


def _effective_field(label: str) -> forms.SplitDateTimeField:
    return forms.SplitDateTimeField(
        label=label,
        required=False,
        widget=LabelledSplitDateTime,
        help_text="When it took effect; leave blank for now. It cannot be in the future or "
        "before the member's last recorded change.",
    )


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(FIELD_OF_CODE.get(error.code), error.message)


class MemberAddForm(forms.ModelForm):
    effective_at = _effective_field("Joined at")

    class Meta:
        model = MLTeamMember
        fields = ["user", *MEMBER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone who already has a roster entry (even a past one) is not added twice.
        self.fields["user"].queryset = User.objects.filter(member__isnull=True).order_by("username")

    def clean(self):
        data = super().clean()
        refusal = embedding_refusal(data.get("team"), data.get("embedded_in"))
        if refusal is not None:
            add_domain_error(self, refusal)
        return data


class MemberChangeForm(forms.ModelForm):
    effective_at = _effective_field("Change effective at")
    leave = forms.BooleanField(
        required=False,
        label="Record that this member left",
        help_text="Closes their roster history at the effective time; other changes are ignored.",
    )

    class Meta:
        model = MLTeamMember
        fields = MEMBER_FIELDS

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in MEMBER_FIELDS if name in self.changed_data
        }

    def clean(self):
        data = super().clean()
        # Saving the page unchanged (or "Save and continue") is not an error: nothing to do.
        if self.errors or data.get("leave") or not self.changes():
            return data
        # The instance still holds the stored values here (they are copied in after clean()).
        original = MLTeamMember.objects.select_related("team", "embedded_in", "role").get(
            pk=self.instance.pk
        )
        try:
            services.member_changes_check(member=original, changes=self.changes())
        except DomainError as error:
            add_domain_error(self, error)
        return data


class TeamForm(ServiceRulesFormMixin, forms.ModelForm):
    field_rules = {"slug": team_slug_refusal}
    text_limits = {"name": limits.NAME, "mission": limits.DESCRIPTION}

    class Meta:
        model = Team
        fields = ["name", "slug", "kind", "mission", "lead"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = MLTeamMember.objects.filter(
            left_on__isnull=True
        ).select_related("user")


class TargetForm(forms.ModelForm):
    """A share between 0 and 1, e.g. 0.35 for 35 % research."""

    trajectory = forms.CharField(
        label="Maturity trajectory",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "2026-12-01 0.5 0.1\n2027-12-01 0.35 0.1"}
        ),
        help_text="Optional: one point per line, 'YYYY-MM-DD share tolerance'. The band moves "
        "linearly between the dates (the base target applies before the first); empty: none.",
    )

    class Meta:
        model = OrientationTarget
        fields = ["team", "target_research_share", "tolerance"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.schedule:
            self.initial["trajectory"] = "\n".join(
                f"{p['on']} {p['share']} {p['tolerance']}" for p in self.instance.schedule
            )

    def clean_trajectory(self):
        """The trajectory as points for ``orientation_target_set`` (``[]``: none)."""
        lines = [line.split() for line in self.cleaned_data["trajectory"].splitlines()]
        try:
            return schedule_parse([tuple(parts) for parts in lines if parts])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def _share(self, name: str, what: str):
        try:
            return share_parse(self.cleaned_data[name], what)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean_target_research_share(self):
        return self._share("target_research_share", "target research share")

    def clean_tolerance(self):
        return self._share("tolerance", "tolerance")
