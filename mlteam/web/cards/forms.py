"""Forms of the card pages: one per section (saved over htmx) and the README.md import."""

from django import forms

from mlteam.cards.enums import RiskRating
from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard
from mlteam.cards.readme import MAX_IMPORT_CHARS

HEADINGS = dict(REQUIRED_SECTIONS + OPTIONAL_SECTIONS) | {"tags": "Tags"}
# Which card fields each section's form edits; the risk rating belongs with the risks.
EDIT_FIELDS = {name: [name] for name in HEADINGS} | {
    "limitations_and_risks": ["limitations_and_risks", "risk_rating"],
}
MARKDOWN_HELP = "Markdown: lists, **bold**, links, tables. Scripts and raw HTML are removed."


def _field(name: str) -> forms.Field:
    if name == "risk_rating":
        return forms.ChoiceField(label="Risk rating", choices=RiskRating.choices, required=False)
    if name == "tags":
        return forms.CharField(
            label="Tags", required=False, help_text="Comma-separated, e.g. text-classification, nlp"
        )
    if name in ("license", "contact"):  # one line; the card service judges its length
        return forms.CharField(label=HEADINGS[name], required=False)
    return forms.CharField(
        label=HEADINGS[name],
        required=False,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class SectionForm(forms.Form):
    """The fields of one card section, filled with the card's current values."""

    def __init__(self, *args, card: ModelCard, section: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        for name in EDIT_FIELDS[section]:
            self.fields[name] = _field(name)
            value = getattr(card, name)
            self.initial[name] = ", ".join(value) if name == "tags" else value

    def changes(self) -> dict:
        return dict(self.cleaned_data)


class CardImportForm(forms.Form):
    readme = forms.FileField(
        label="README.md file", required=False, help_text="A Hugging Face model card (UTF-8)."
    )
    text = forms.CharField(
        label="…or paste the Markdown",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    keep_missing = forms.BooleanField(
        label="Keep sections the file lacks",
        required=False,
        help_text="By default the file replaces the whole card: sections it does not have are "
        "emptied, so the previous version's text never stands under the new card.",
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get("readme"), (data.get("text") or "").strip()
        if upload and text:
            raise forms.ValidationError("Choose a file or paste Markdown, not both.")
        if not upload and not text:
            raise forms.ValidationError("Choose a README.md file or paste its Markdown.")
        if upload:
            if upload.size > MAX_IMPORT_CHARS:
                raise forms.ValidationError("The file is larger than 1 MB; that is not a card.")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    "The file is not UTF-8 text; save it as UTF-8."
                ) from None
        data["markdown"] = text
        return data
