"""Which two versions the compare page shows, from ``?a=`` and ``?b=`` (or sensible defaults)."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from mlteam.cards.models import ModelCard
from mlteam.kernel.enums import Stage
from mlteam.kernel.parsing import whole_number
from mlteam.registry.models import Model, ModelArtifact


@dataclass
class VersionChoice:
    model: Model
    versions: list[ModelArtifact]
    a: ModelArtifact | None = None
    b: ModelArtifact | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def card_a(self) -> ModelCard | None:
        return _card(self.a)

    @property
    def card_b(self) -> ModelCard | None:
        return _card(self.b)


def _card(artifact: ModelArtifact | None) -> ModelCard | None:
    try:
        return artifact.card if artifact else None
    except ModelCard.DoesNotExist:
        return None


def _parse(raw: str | None, label: str, by_number: dict, errors: list[str]):
    if raw in (None, ""):
        return None
    number = whole_number(raw.strip().lower().removeprefix("v"))
    if number is None:
        errors.append(f"'{raw}' is not a version number (write 3 or v3) for {label}.")
        return None
    found = by_number.get(number)
    if found is None:
        listed = ", ".join(f"v{n}" for n in sorted(by_number))
        errors.append(f"There is no v{number} for {label}; the versions are {listed}.")
    return found


def versions_to_compare(name: str, raw_a: str | None, raw_b: str | None) -> VersionChoice:
    """The model's versions (two queries) and the pair to compare.

    Without a choice, b is the newest version and a the one in production (or the one before).
    """
    model = get_object_or_404(Model.objects.select_related("team"), name=name)
    versions = list(model.artifacts.select_related("card").order_by("-version"))
    choice = VersionChoice(model, versions)
    by_number = {v.version: v for v in versions}
    choice.a = _parse(raw_a, "the baseline (a)", by_number, choice.errors)
    choice.b = _parse(raw_b, "the candidate (b)", by_number, choice.errors)
    if choice.errors:
        return choice
    if len(versions) < 2:
        choice.errors.append(f"{model.name} has only one version; there is nothing to compare.")
        return choice
    if choice.b is None:
        choice.b = versions[0]
    if choice.a is None:
        production = next((v for v in versions if v.status == Stage.PRODUCTION), None)
        older = [v for v in versions if v.version < choice.b.version]
        choice.a = production if production and production != choice.b else None
        choice.a = choice.a or (older[0] if older else versions[-1])
    if choice.a == choice.b:
        choice.errors.append("Pick two different versions to compare.")
    return choice
