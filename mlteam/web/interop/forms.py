from django import forms

from mlteam.roster.models import Team


class MlflowImportForm(forms.Form):
    tracking_uri = forms.CharField(
        label="MLflow tracking server",  # its length limit is the import service's
        help_text="Its REST address, e.g. http://mlflow.internal:5000.",
    )
    team = forms.ModelChoiceField(
        label="Owning team", queryset=Team.objects.order_by("name"), to_field_name="slug"
    )
    models = forms.CharField(
        label="Only these registered models",
        required=False,
        max_length=2000,
        help_text="Names separated by commas; empty: every registered model.",
    )

    def model_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["models"].split(",") if name.strip()]
