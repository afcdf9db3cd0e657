from django import forms

from mlteam.kernel.events import EVENT_TYPES

LABELS = {
    "promotion.requested": "A promotion waits for my sign-off",
    "promotion.approved": "My request was approved",
    "promotion.rejected": "My request was rejected",
    "promotion.withdrawn": "My request was withdrawn by someone else",
    "version.stage_changed": "A version I own changed stage",
    "version.registered": "A version was registered",
    "eval.recorded": "An eval result was recorded",
    "card.updated": "A model card was updated",
}


class EmailPreferencesForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="Email me when",
        required=False,
        choices=[(code, LABELS.get(code, code)) for code in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="You always see these on your notifications page; this chooses the emails.",
    )
