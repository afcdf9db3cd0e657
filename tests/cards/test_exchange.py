"""Export as Hugging Face README.md / JSON, import, and the lossless round trip."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from mlteam.cards.exchange import card_import_markdown, card_to_dict, card_to_markdown
from mlteam.cards.services import CARRIED_OVER, card_update
from mlteam.core.errors import InvalidInput, NotAllowed
from mlteam.registry.enums import AuditAction
from mlteam.registry.models import AuditEvent

RICH = {
    "summary": "Routes tickets to one of **84 intents**.\n\nSee [the docs](https://docs.example.com).",
    "architecture": "DeBERTa-v3 encoder.\n\n### Head\n\nA linear layer; trained with:\n\n"
    "```python\n# not a heading\n## also not a heading\nloss = ce(logits, y)\n```",
    "training_data": "| split | rows |\n|---|---:|\n| train | 120,000 |\n| test | 12,000 |",
    "intended_uses": "- Routing support tickets\n- Offline analytics",
    "out_of_scope_uses": "- Legal decisions",
    "failure_modes": "- Confuses *billing* and *refund*\n- Weak on tickets under 5 words — “short”",
    "limitations_and_risks": "Measured on English tickets only.",
    "risk_rating": "medium",
    "ethical_considerations": "Reviewed by Trust & Safety.",
    "license": "Proprietary — internal use",
    "contact": "Applied ML (#applied-ml)",
    "additional_information": "### Changelog\n\n- v2: more data\n\n#### Details\n\nNested.",
    "tags": ["text-classification", "support", "ünïcode"],
}


def fill(world, artifact, **overrides):
    card = artifact.card
    return card_update(card=card, actor=world.owner, changes=RICH | overrides)


def values(card):
    card.refresh_from_db()
    return {name: getattr(card, name) for name in CARRIED_OVER}


def test_markdown_has_hugging_face_front_matter_with_the_latest_results(world):
    artifact = world.register()
    card = fill(world, artifact)
    earlier = timezone.now() - timedelta(days=2)
    world.record(artifact, world.accuracy, 0.80, at=earlier)
    world.record(artifact, world.accuracy, 0.91)  # the latest counts; history is not exported
    world.record(artifact, world.latency, 212.5)

    text = card_to_markdown(card)

    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["license"] == "other"
    assert meta["license_name"] == "Proprietary — internal use"
    assert meta["tags"] == RICH["tags"]
    (index,) = meta["model-index"]
    assert index["name"] == "intent-classifier"
    metrics = {r["dataset"]["type"]: r["metrics"][0] for r in index["results"]}
    assert metrics == {
        "intent-accuracy": {"type": "accuracy", "name": "accuracy", "value": 0.91},
        "p99-latency": {"type": "p99-latency", "name": "p99 latency (ms)", "value": 212.5},
    }
    assert meta["mlteam"] == {
        "model": "intent-classifier",
        "version": 1,
        "stage": "experimental",
        "risk_rating": "medium",
    }
    for heading in ["## Summary", "## Known failure modes", "## Evaluation results", "## Contact"]:
        assert f"\n{heading}\n" in text
    assert "**Risk rating:** Medium" in text


def test_an_identifier_license_is_written_as_is(world):
    card = fill(world, world.register(), license="apache-2.0")
    meta = yaml.safe_load(card_to_markdown(card).split("---\n")[1])
    assert meta["license"] == "apache-2.0"
    assert "license_name" not in meta


def test_export_import_export_round_trips_losslessly(world):
    artifact = world.register()
    card = fill(world, artifact)
    world.record(artifact, world.safety, 0.97)
    first = card_to_markdown(card)
    first_json = card_to_dict(card)
    original = values(card)
    # Empty the card, then bring it back from the file.
    blank = {name: "" for name in CARRIED_OVER} | {"tags": []}
    card_update(card=card, actor=world.owner, changes=blank)

    card_import_markdown(card=card, text=first, actor=world.owner)

    assert values(card) == original
    assert card_to_markdown(card) == first
    again = card_to_dict(card)
    assert again.pop("updated_at") and first_json.pop("updated_at")
    assert again == first_json


def test_round_trip_onto_another_versions_card_and_with_empty_sections(world):
    v1 = world.register()
    fill(world, v1, ethical_considerations="", risk_rating="", tags=[], license="")
    v2 = world.register()
    card_update(card=v2.card, actor=world.owner, changes={"summary": "Something else"})

    card_import_markdown(card=v2.card, text=card_to_markdown(v1.card), actor=world.owner)

    assert values(v2.card) == values(v1.card)
    assert card_to_markdown(v2.card) == card_to_markdown(v1.card).replace(
        "version: 1", "version: 2"
    ).replace("# intent-classifier v1", "# intent-classifier v2")


def test_import_writes_a_card_imported_event(world):
    card = fill(world, world.register())
    text = card_to_markdown(card).replace("Legal decisions", "Medical decisions")

    card_import_markdown(card=card, text=text, actor=world.teammate)

    event = AuditEvent.objects.get(action=AuditAction.CARD_IMPORTED)
    assert event.details["sections"] == ["out_of_scope_uses"]
    assert event.actor == world.teammate.user
    assert card.out_of_scope_uses == "- Medical decisions"


BAD_YAML = """---
license: apache-2.0
tags: [unclosed
---
# A card

## Summary

Should never be imported.
"""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (BAD_YAML, "line 3"),
        ("---\nlicense: mit\n# never closed\n\n## Summary\n\nx", "never closed"),
        ("---\n- just\n- a list\n---\n## Summary\n\nx", "must be a mapping"),
        ("", "empty"),
        ("## Banana\n\n<!-- a template comment only -->\n", "nothing was imported"),
    ],
)
def test_a_broken_card_is_a_clear_error_and_changes_nothing(world, text, says):
    card = fill(world, world.register())
    before = values(card)
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as error:
        card_import_markdown(card=card, text=text, actor=world.owner)

    assert says in error.value.message
    assert values(card) == before
    assert AuditEvent.objects.count() == events


def test_a_bad_value_in_our_own_format_changes_nothing(world):
    card = fill(world, world.register())
    before = values(card)
    text = card_to_markdown(card).replace("risk_rating: medium", "risk_rating: catastrophic")

    with pytest.raises(InvalidInput, match="not a risk rating"):
        card_import_markdown(card=card, text=text, actor=world.owner)
    assert values(card) == before


def test_only_the_owning_team_or_an_ml_lead_imports(world):
    card = fill(world, world.register())
    before = values(card)
    with pytest.raises(NotAllowed):
        card_import_markdown(card=card, text=card_to_markdown(card), actor=world.reader)
    assert values(card) == before
    card_import_markdown(card=card, text=card_to_markdown(card), actor=world.lead)


HF_README = """---
language:
- en
license: apache-2.0
tags:
- text-classification
- customer-support
datasets:
- support-tickets
model-index:
- name: intent-bert
  results:
  - task: {type: text-classification}
    dataset: {type: tickets, name: Tickets}
    metrics:
    - {type: accuracy, value: 0.99}
---

# Model Card for intent-bert

<!-- Provide a quick summary of what the model is/does. -->

A BERT model that routes support tickets.

## Model Details

### Model Description

Fine-tuned **BERT-base** for 84 intents.

- **Developed by:** Applied ML

### Model Sources [optional]

- **Repository:** https://git.example.com/intent-bert

## Uses

### Direct Use

Route tickets to queues.

### Downstream Use [optional]

[More Information Needed]

### Out-of-Scope Use

Anything legal.

## Bias, Risks, and Limitations

English only.

### Recommendations

Keep a human in the loop.

## How to Get Started with the Model

```python
# load it
pipe = pipeline("text-classification", model="intent-bert")
```

## Training Details

### Training Data

120k labelled tickets from 2025.

### Training Procedure

#### Training Hyperparameters

- lr: 2e-5

## Evaluation

### Results

#### Summary

Accuracy 0.99 on the test split.

## Model Card Contact

ml-team@example.com
"""


def test_a_hugging_face_card_is_mapped_onto_our_sections(world):
    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"ethical_considerations": "Keep me."})

    card = card_import_markdown(card=card, text=HF_README, actor=world.owner)
    card.refresh_from_db()

    assert card.summary.startswith("A BERT model that routes support tickets.\n\nFine-tuned")
    assert card.intended_uses == "Route tickets to queues."
    assert card.out_of_scope_uses == "Anything legal."
    assert card.limitations_and_risks.startswith("English only.")
    assert "### Recommendations\n\nKeep a human in the loop." in card.limitations_and_risks
    assert card.training_data == "120k labelled tickets from 2025."
    assert card.contact == "ml-team@example.com"
    assert card.license == "apache-2.0"
    assert card.tags == ["text-classification", "customer-support"]
    assert card.ethical_considerations == "Keep me."  # not in the file: left alone
    extra = card.additional_information
    kept_parts = [
        "### Model Sources",
        "git.example.com",
        "### How to Get Started with the Model",
        "# load it",
        "### Training Procedure",
        "#### Training Hyperparameters",
        "Accuracy 0.99 on the test split",
        "### Hugging Face metadata",
        "support-tickets",
    ]
    for kept in kept_parts:
        assert kept in extra
    assert "More Information Needed" not in extra
    assert "Downstream Use" not in extra  # only a placeholder: nothing to keep
    assert "<!--" not in card.summary + extra
    assert any("model-index" in note for note in card.import_notes)
    assert "model-index" not in extra
