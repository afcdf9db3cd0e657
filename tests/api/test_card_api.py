"""A version's model card over the API: JSON and Markdown export, section edits, README import."""

import pytest

from mlteam.cards.models import ModelCard
from mlteam.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db
CARD = "/api/v1/models/intent/versions/1/card/"


def test_card_as_json_and_markdown(world, as_user):
    api = as_user(world.reader)
    body = api.get(CARD).json()
    assert body["model"] == "intent" and body["complete"] is True
    assert body["sections"]["summary"] == "Summary text."
    markdown = api.get(CARD, {"format": "md"})
    assert markdown.status_code == 200
    assert markdown["Content-Type"].startswith("text/markdown")
    text = markdown.content.decode()
    assert text.startswith("---\n") and "## Summary" in text
    bad = api.get(CARD, {"format": "pdf"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_format"


def test_accept_text_markdown_gets_the_readme_and_errors_stay_json(world, as_user):
    api = as_user(world.reader)
    for query in ({"format": "md"}, {}):
        response = api.get(CARD, query, HTTP_ACCEPT="text/markdown")
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response.content.decode().startswith("---\n")
        assert 'filename="intent-v1-README.md"' in response["Content-Disposition"]
    as_json = api.get(CARD, {"format": "json"}, HTTP_ACCEPT="text/markdown")
    assert as_json["Content-Type"] == "application/json" and as_json.json()["model"] == "intent"
    assert api.get(CARD, HTTP_ACCEPT="application/json").json()["model"] == "intent"
    assert api.get(CARD).json()["model"] == "intent"
    for url, status in ((CARD.replace("/1/", "/9/"), 404), (CARD + "?format=pdf", 400)):
        error = api.get(url, HTTP_ACCEPT="text/markdown")
        assert error.status_code == status
        assert error["Content-Type"] == "application/json" and error.json()["error"]
    refused = api.get(CARD, HTTP_ACCEPT="image/png")
    assert refused.status_code == 406 and refused.json()["error"] == "not_acceptable"


@pytest.mark.parametrize("content_type", ["text/markdown", "text/plain"])
def test_patch_takes_only_json(world, as_user, content_type):
    before = ModelCard.objects.get(pk=world.artifact.card.pk).summary
    response = as_user(world.member).patch(CARD, "## Summary\n\nx\n", content_type=content_type)
    assert response.status_code == 415, response.content
    assert response.json()["error"] == "unsupported_media_type"
    assert ModelCard.objects.get(pk=world.artifact.card.pk).summary == before


def test_patch_with_status_names_the_real_promotion_url(world, as_user):
    response = as_user(world.member).patch(CARD, {"status": "production"})
    assert response.status_code == 400 and response.json()["error"] == "status_read_only"
    detail = response.json()["detail"]
    assert "POST /api/v1/models/intent/versions/1/promotions/" in detail
    assert "mlteam promote intent 1 --to STAGE" in detail
    assert "{name}" not in detail and "{version}" not in detail


def test_owning_team_edits_sections(world, as_user):
    response = as_user(world.member).patch(CARD, {"summary": "Routes tickets.", "tags": ["nlp"]})
    assert response.status_code == 200
    assert response.json()["sections"]["summary"] == "Routes tickets."
    assert response.json()["tags"] == ["nlp"]
    assert AuditEvent.objects.filter(action="card.updated").count() == 1


def test_card_edits_refused_cleanly(world, as_user):
    before = ModelCard.objects.get(pk=world.artifact.card.pk).summary
    refused = as_user(world.reader).patch(CARD, {"summary": "hijack"})
    assert refused.status_code == 403 and refused.json()["error"] == "not_team_member"
    unknown = as_user(world.member).patch(CARD, {"scores": "99%"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_section"
    nul = as_user(world.member).patch(CARD, {"summary": "a\x00b"})
    assert nul.status_code == 400
    risk = as_user(world.member).patch(CARD, {"risk_rating": "extreme"})
    assert risk.json()["error"] == "invalid_risk_rating"
    assert ModelCard.objects.get(pk=world.artifact.card.pk).summary == before


def test_export_import_round_trip_through_the_api(world, as_user):
    api = as_user(world.member)
    api.patch(CARD, {"summary": "Routes tickets to intents."})
    exported = api.get(CARD, {"format": "md"}).content.decode()
    api.patch(CARD, {"summary": "changed"})
    response = api.put(CARD, exported, content_type="text/markdown")
    assert response.status_code == 200, response.json()
    assert response.json()["sections"]["summary"] == "Routes tickets to intents."
    assert response.json()["changed_sections"] == ["summary"]
    assert api.get(CARD, {"format": "md"}).content.decode() == exported


def test_import_as_json_or_plain_text(world, as_user):
    api = as_user(world.member)
    readme = "---\nlicense: mit\n---\n# x\n\n## Model description\n\nA classifier.\n"
    assert api.post(CARD, {"markdown": readme}, format="json").status_code == 200
    assert api.post(CARD, readme, content_type="text/plain").status_code == 200
    assert ModelCard.objects.get(artifact=world.artifact).license == "mit"


def test_bad_yaml_changes_nothing(world, as_user):
    api = as_user(world.member)  # its token's creation is audited: count after it
    before = AuditEvent.objects.count()
    response = api.put(
        CARD, "---\nlicense: [unclosed\n---\n## Summary\n\nx\n", content_type="text/markdown"
    )
    assert response.status_code == 400
    assert ModelCard.objects.get(artifact=world.artifact).summary == "Summary text."
    assert AuditEvent.objects.count() == before


def test_import_is_for_the_owning_team(world, as_user):
    response = as_user(world.reader).put(CARD, "## Summary\n\nmine\n", content_type="text/markdown")
    assert response.status_code == 403


def test_card_of_unknown_version_is_404(world, as_user):
    assert as_user(world.reader).get("/api/v1/models/intent/versions/5/card/").status_code == 404


def test_an_import_replaces_the_whole_card_unless_it_keeps_the_missing_sections(world, as_user):
    api = as_user(world.member)
    readme = "---\nlicense: mit\nbase_model: bert-base\n---\n# intent\n\n## Summary\n\nNew.\n"
    kept = api.put(CARD + "?keep_missing=true", readme, content_type="text/markdown")
    assert kept.status_code == 200, kept.content
    body = kept.json()
    assert body["sections"]["summary"] == "New." and body["sections"]["contact"]  # kept
    assert body["metadata"] == {"base_model": "bert-base"}
    replaced = api.put(CARD, readme, content_type="text/markdown").json()
    assert replaced["sections"]["contact"] == "" and replaced["complete"] is False
    assert any(
        "Emptied because the file has no such section" in n for n in replaced["import_notes"]
    )
    bad = api.put(CARD + "?keep_missing=maybe", readme, content_type="text/markdown")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    assert bad.json()["detail"].startswith("keep_missing: 'maybe' is not true or false")
