"""Our cards as the Hugging Face Hub reads them, with ``huggingface_hub`` itself: exports load
with ModelCard / metadata_load and carry only Hub-valid metadata, eval results come back
through model_index_to_eval_results, and a card made with ModelCard.from_template imports and
re-exports with its metadata intact."""

import re

import pytest
from huggingface_hub import ModelCard, ModelCardData
from huggingface_hub.repocard import metadata_load
from huggingface_hub.repocard_data import model_index_to_eval_results

from mlteam.cards.exchange import card_import_markdown, card_to_markdown
from mlteam.cards.hub import HUB_LICENSES, HUB_TASKS, hub_task
from mlteam.cards.services import card_update
from mlteam.registry import services
from tests.cards.test_exchange import RICH

pytestmark = pytest.mark.django_db

SLUG = re.compile(r"[a-z0-9][a-z0-9.-]*")


def hub_metadata(text: str, tmp_path) -> dict:
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    return metadata_load(readme)


def assert_hub_valid(meta: dict) -> None:
    assert meta["license"] in HUB_LICENSES
    if meta["license"] == "other":
        assert SLUG.fullmatch(meta["license_name"]) and meta["license_link"]
    if "pipeline_tag" in meta:
        assert meta["pipeline_tag"] in HUB_TASKS


def headings_with_nothing_under_them(text: str) -> list[str]:
    """Headings followed by no text before the next heading at their level or above."""
    body = re.sub(r"<!-- mlteam:section \w+ -->", "", text.split("\n---\n", 1)[1])
    blocks = re.split(r"^(#{1,6}) (.*)$", body, flags=re.M)
    rest = blocks[1:]
    found = [(len(rest[i]), rest[i + 1], rest[i + 2].strip()) for i in range(0, len(rest), 3)]
    empty = []
    for index, (level, title, under) in enumerate(found):
        following = []
        for later_level, _, later_under in found[index + 1 :]:
            if later_level <= level:
                break
            following.append(later_under)
        if not under and not any(following):
            empty.append(title)
    return empty


def test_an_export_loads_with_huggingface_hub_and_its_eval_results_come_back(world, tmp_path):
    artifact = world.register()
    card_update(
        card=artifact.card, actor=world.owner, changes=RICH | {"ethical_considerations": ""}
    )
    world.record(artifact, world.accuracy, 0.91)
    world.record(artifact, world.latency, 212.5)

    text = card_to_markdown(artifact.card)
    hub_card = ModelCard(text)
    meta = hub_metadata(text, tmp_path)

    assert hub_card.data.to_dict() == meta
    assert_hub_valid(meta)
    assert meta["license_name"] == "proprietary-internal-use"
    assert meta["pipeline_tag"] == "text-classification"
    name, results = model_index_to_eval_results(meta["model-index"])
    assert name == "intent-classifier"
    assert {(r.dataset_type, r.metric_value) for r in results} == {
        ("intent-accuracy", 0.91),
        ("p99-latency", 212.5),
    }
    assert [(r.dataset_type, r.metric_value) for r in hub_card.data.eval_results] == [
        (r.dataset_type, r.metric_value) for r in results
    ]
    assert headings_with_nothing_under_them(text) == []
    assert "## Ethical considerations" not in text and "## Additional information" in text


@pytest.mark.parametrize(
    ("task", "pipeline_tag"),
    [
        ("forecasting", "time-series-forecasting"),
        ("embedding", "feature-extraction"),
        ("ranking", "text-ranking"),
        ("speech-to-text", "automatic-speech-recognition"),
        ("moderation", "text-classification"),
        ("agent-planning", None),
        ("recommendation", None),
    ],
)
def test_our_tasks_export_as_hub_tasks_or_none(world, task, pipeline_tag, tmp_path):
    model = services.model_create(name=f"m-{task}", team=world.team, task=task, actor=world.owner)
    artifact = world.register(model)
    card_update(card=artifact.card, actor=world.owner, changes={"license": "mit"})

    meta = hub_metadata(card_to_markdown(artifact.card), tmp_path)

    assert hub_task(task) == pipeline_tag
    assert meta.get("pipeline_tag") == pipeline_tag
    assert meta["mlteam"]["task"] == task  # our task is kept, under our key
    assert meta["license"] == "mit" and "license_name" not in meta


def test_a_license_named_by_the_card_keeps_its_name_and_link(world, tmp_path):
    card = world.register().card
    text = (
        "---\nlicense: other\nlicense_name: acme-internal-1.0\nlicense_link: LICENSE\n---\n"
        "# intent\n\n## Summary\n\nRoutes tickets.\n"
    )
    card_import_markdown(card=card, text=text, actor=world.owner)
    card.refresh_from_db()

    meta = hub_metadata(card_to_markdown(card), tmp_path)

    assert (meta["license"], meta["license_name"], meta["license_link"]) == (
        "other",
        "acme-internal-1.0",
        "LICENSE",
    )


TEMPLATE_DATA = {
    "language": ["en", "de"],
    "license": "other",
    "license_name": "acme-internal-1.0",
    "license_link": "https://acme.example.com/licenses/internal-1.0",
    "library_name": "transformers",
    "base_model": "google-bert/bert-base-uncased",
    "datasets": ["acme/support-tickets"],
    "metrics": ["accuracy", "f1"],
    "tags": ["support", "intent"],
    "pipeline_tag": "text-classification",
}


def template_card() -> str:
    return str(
        ModelCard.from_template(
            ModelCardData(**TEMPLATE_DATA),
            model_id="acme/intent-bert",
            model_summary="Routes support tickets to one of 84 intents.",
            model_description="Fine-tuned BERT-base on two years of tickets.",
            developers="Applied ML",
            direct_use="Route incoming tickets to queues.",
            out_of_scope_use="Decisions about people.",
            bias_risks_limitations="English and German only; weak on tickets under five words. "
            "**Risk rating:** Medium",
            training_data="120k labelled tickets from 2025.",
        )
    )


def test_a_card_from_the_hub_template_imports_and_re_exports_with_its_metadata(world, tmp_path):
    artifact = world.register()
    card = artifact.card
    card_update(card=card, actor=world.owner, changes=RICH)  # the previous version's text

    card_import_markdown(card=card, text=template_card(), actor=world.owner)
    card.refresh_from_db()

    assert card.summary.startswith("Routes support tickets to one of 84 intents.")
    assert "Fine-tuned BERT-base" in card.summary and "**Developed by:** Applied ML" in card.summary
    assert "Funded by" not in card.summary  # empty template labels are not content
    assert card.intended_uses == "Route incoming tickets to queues."
    assert card.out_of_scope_uses == "Decisions about people."
    assert card.training_data == "120k labelled tickets from 2025."
    # "Risk rating: Medium" at the end of the paragraph is the rating, not text.
    assert card.risk_rating == "medium"
    assert (
        card.limitations_and_risks == "English and German only; weak on tickets under five words."
    )
    # The template's "Recommendations" boilerplate is not a written section.
    assert "should be made aware" not in card.limitations_and_risks
    # Sections the file lacks are emptied: the old failure modes do not stay under the new card.
    assert card.failure_modes == "" and card.ethical_considerations == "" and card.contact == ""
    assert {"Known failure modes", "Contact"} <= set(card.missing_sections)
    assert "Carbon" not in card.additional_information
    assert "get started" not in card.additional_information
    assert card.license == "acme-internal-1.0" and card.tags == ["support", "intent"]

    text = card_to_markdown(card)
    meta = hub_metadata(text, tmp_path)
    assert_hub_valid(meta)
    for key, value in TEMPLATE_DATA.items():
        assert meta[key] == value, key
    assert ModelCard(text).data.base_model == "google-bert/bert-base-uncased"
    assert headings_with_nothing_under_them(text) == []

    # ...and our own export of it reads back to the same file.
    card_import_markdown(card=card, text=text, actor=world.owner)
    card.refresh_from_db()
    assert card_to_markdown(card) == text
