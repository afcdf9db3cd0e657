"""Forms of the registry pages. They only parse input; the engine decides (and explains)
everything else, so a refused action shows the engine's own message."""

from django import forms


class PromotionRequestForm(forms.Form):
    # Any text: the engine answers an unknown stage or a missing protocol with its own message.
    to_stage = forms.CharField(required=False, max_length=32, label="Target stage")
    # No length checks on text here: the engine refuses too long text (kernel.limits) with the
    # message the API gives.
    note = forms.CharField(required=False, label="Note for the gate owner", widget=forms.Textarea)


class ItemTickForm(forms.Form):
    evidence = forms.CharField(required=False, label="Evidence")
    ticked = forms.TypedChoiceField(
        choices=[("1", "Sign off"), ("0", "Remove sign-off")],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=True,
    )


class DecisionForm(forms.Form):
    """Approve or withdraw, with an optional note."""

    note = forms.CharField(required=False, label="Note")


class RejectForm(forms.Form):
    # Not required here: the engine refuses a blank reason with the message people see.
    reason = forms.CharField(required=False, label="Reason")


def form_problem(form: forms.Form) -> str:
    """All of a form's errors as one sentence, for the inline message."""
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(": ")
        for name, errors in form.errors.items()
        for error in errors
    )
