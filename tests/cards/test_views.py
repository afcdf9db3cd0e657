"""The card page, editing a section over htmx, export downloads and the import page."""

import json

import pytest
import yaml

from mlteam.cards.services import card_update
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_url(world, version=1, rest=""):
    return f"/models/{world.model.name}/v{version}/card/{rest}"


def test_the_card_page_is_what_a_product_engineer_reads_first(client, world):
    v1 = world.in_production()
    v2 = world.passing(world.register(), accuracy=0.95)
    card_update(card=v1.card, actor=world.owner, changes={"failure_modes": "- Fails on emoji"})
    client.force_login(world.outsider.user)

    response = client.get(card_url(world))

    page = response.content.decode()
    assert response.status_code == 200
    assert "In production now" in page and "this version" in page
    assert "Production history of intent-classifier" in page
    assert page.index("Known failure modes") < page.index("Scores on the shared benchmarks")
    assert "<li>Fails on emoji</li>" in page
    assert "Latency p99" in page and "200" in page and "meets" in page
    assert "Card complete" in page
    assert "compare/?a=1&amp;b=2" in page  # production against the newer candidate
    assert "/card/export/?format=md" in page
    assert "Edit" not in page  # a reader gets no edit controls
    assert f"/runs/{v2.pk}" not in page
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_the_card_of_a_new_version_links_production_for_comparison(client, world):
    world.in_production()
    world.register()
    client.force_login(world.owner.user)
    page = client.get(card_url(world, 2)).content.decode()
    assert "/models/intent-classifier/compare/?a=1&amp;b=2" in page
    assert "Card incomplete" not in page  # v2 copied v1's complete card
    assert 'hx-get="/models/intent-classifier/v2/card/sections/summary/edit/"' in page


def test_completeness_names_the_missing_sections(client, world):
    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"summary": "Only this"})
    client.force_login(world.outsider.user)
    page = client.get(card_url(world)).content.decode()
    assert "Card incomplete" in page
    assert "Architecture, Training data, Intended uses" in page


def test_unknown_version_is_404(client, world):
    client.force_login(world.outsider.user)
    assert client.get(card_url(world, 9)).status_code == 404


def test_card_page_queries_do_not_grow_with_history(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world.in_production()
    client.force_login(world.outsider.user)
    with CaptureQueriesContext(connection) as few:
        client.get(card_url(world))
    # Many versions, results, promotions and production changes later:
    for accuracy in [0.91, 0.92, 0.93, 0.94]:
        artifact = world.in_production(accuracy=accuracy)
        for value in range(5):
            world.record(artifact, world.accuracy, accuracy + value / 1000)
    world.passing(world.register())
    with django_assert_max_num_queries(len(few)):
        response = client.get(card_url(world, 5))
    assert response.status_code == 200
    assert len(few) <= 16


def test_team_member_edits_a_section_over_htmx(client, world):
    card = world.register().card
    client.force_login(world.requester.user)

    form = client.get(card_url(world, rest="sections/failure_modes/edit/"), **HTMX)
    assert form.status_code == 200
    assert 'hx-post="/models/intent-classifier/v1/card/sections/failure_modes/edit/"' in (
        form.content.decode()
    )
    assert "<html" not in form.content.decode()

    response = client.post(
        card_url(world, rest="sections/failure_modes/edit/"),
        {"failure_modes": "- Breaks on **sarcasm**"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="section-failure_modes"' in html
    assert "<strong>sarcasm</strong>" in html
    assert 'id="card-completeness"' in html and 'hx-swap-oob="true"' in html
    assert "Known failure modes" not in html.split("card-completeness")[1]  # now written
    card.refresh_from_db()
    assert card.failure_modes == "- Breaks on **sarcasm**"
    assert AuditEvent.objects.filter(action=AuditAction.CARD_UPDATED).count() == 1


def test_risk_rating_is_edited_with_the_risks(client, world):
    card = world.register().card
    client.force_login(world.owner.user)
    url = card_url(world, rest="sections/limitations_and_risks/edit/")
    response = client.post(url, {"limitations_and_risks": "English only", "risk_rating": "high"})
    assert response.status_code == 302
    assert response["Location"].endswith("/card/#section-limitations_and_risks")
    card.refresh_from_db()
    assert (card.limitations_and_risks, card.risk_rating) == ("English only", "high")


def test_an_invalid_section_is_an_inline_error_and_nothing_changes(client, world):
    card = world.register().card
    client.force_login(world.owner.user)
    url = card_url(world, rest="sections/license/edit/")
    response = client.post(url, {"license": "x" * 500}, **HTMX)
    assert response.status_code == 200
    assert "license is too long: it has 500 characters and at most 120 are allowed" in (
        response.content.decode()
    )
    card.refresh_from_db()
    assert card.license == ""


def test_readers_cannot_edit(client, world):
    card = world.register().card
    client.force_login(world.outsider.user)
    url = card_url(world, rest="sections/summary/edit/")
    response = client.post(url, {"summary": "Vandalism"}, **HTMX)
    assert response.status_code == 403
    assert "Only members of Applied ML" in response.json()["detail"]
    assert client.get(url).status_code == 403
    card.refresh_from_db()
    assert card.summary == ""


def test_unknown_section_is_404(client, world):
    world.register()
    client.force_login(world.owner.user)
    assert client.get(card_url(world, rest="sections/eval_scores/edit/")).status_code == 404


def test_cancel_swaps_the_section_back(client, world):
    world.register()
    client.force_login(world.owner.user)
    response = client.get(card_url(world, rest="sections/summary/"), **HTMX)
    assert response.status_code == 200
    assert 'id="section-summary"' in response.content.decode()


def test_markdown_export_is_a_download(client, world):
    artifact = world.passing(world.register())
    client.force_login(world.outsider.user)

    response = client.get(card_url(world, rest="export/?format=md"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"] == 'attachment; filename="intent-classifier-v1-card.md"'
    meta = yaml.safe_load(response.content.decode().split("---\n")[1])
    assert {m["metrics"][0]["value"] for m in meta["model-index"][0]["results"]} == {
        0.9,
        200,
        0.99,
    }
    assert artifact.card.summary in response.content.decode()


def test_json_export(client, world):
    world.passing(world.register())
    client.force_login(world.outsider.user)
    response = client.get(card_url(world, rest="export/?format=json"))
    assert response["Content-Disposition"].endswith('-card.json"')
    data = json.loads(response.content)
    assert data["model"] == "intent-classifier" and data["complete"] is True
    assert {r["benchmark"] for r in data["eval_results"]} == {
        "intent-accuracy",
        "p99-latency",
        "safety",
    }


def test_unknown_export_format_is_a_clear_400(client, world):
    world.register()
    client.force_login(world.outsider.user)
    response = client.get(card_url(world, rest="export/?format=pdf"))
    assert response.status_code == 400
    assert "use ?format=md or ?format=json" in response.content.decode()


def test_import_page_replaces_the_card_from_a_pasted_readme(client, world):
    card = world.register().card
    client.force_login(world.owner.user)
    text = (
        "---\nlicense: mit\ntags: [nlp]\n---\n# Card\n\n## Model Description\n\nImported summary.\n"
    )

    response = client.post(card_url(world, rest="import/"), {"text": text})

    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.summary, card.license, card.tags) == ("Imported summary.", "mit", ["nlp"])


@pytest.mark.parametrize("upload", [False, True])
def test_import_with_bad_yaml_shows_the_error_and_changes_nothing(client, world, upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"summary": "Keep"})
    client.force_login(world.owner.user)
    text = "---\nlicense: [mit\n---\n## Summary\n\nReplaced?\n"
    data = {"readme": SimpleUploadedFile("README.md", text.encode())} if upload else {"text": text}

    response = client.post(card_url(world, rest="import/"), data)

    assert response.status_code == 400
    assert "The YAML front matter is not valid at line 2" in response.content.decode()
    card.refresh_from_db()
    assert card.summary == "Keep"
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_IMPORTED).exists()


def test_an_uploaded_readme_with_a_nul_character_is_refused(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"summary": "Keep"})
    client.force_login(world.owner.user)
    upload = SimpleUploadedFile("README.md", b"# x\n\n## Summary\n\nNUL\x00here\n")

    response = client.post(card_url(world, rest="import/"), {"readme": upload})

    assert response.status_code == 400
    assert "NUL characters" in response.content.decode()
    card.refresh_from_db()
    assert card.summary == "Keep"


def test_import_needs_exactly_one_source(client, world):
    world.register()
    client.force_login(world.owner.user)
    response = client.post(card_url(world, rest="import/"), {})
    assert "Choose a README.md file or paste its Markdown." in response.content.decode()


def test_readers_cannot_open_the_import_page(client, world):
    world.register()
    client.force_login(world.outsider.user)
    assert client.get(card_url(world, rest="import/")).status_code == 403
