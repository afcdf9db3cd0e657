"""The pages' forms and the admin refuse bad input with the API's own message, word for word:
each rule has one message (kernel.limits, registry.names), whichever interface hits it."""

import html

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from mlteam.kernel import limits
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.models import Model, PromotionRequest
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def api_detail(member, method: str, path: str, body: dict, code: str) -> str:
    response = getattr(api_client(member.user), method)(path, body, format="json")
    assert response.status_code == 400 and response.json()["error"] == code, response.content
    return response.json()["detail"]


def test_a_too_long_reject_reason_on_the_page_reads_as_on_the_api(client, world):
    artifact = world.register()
    world.passing_evals(artifact)
    request = services.promotion_request(artifact=artifact, to_stage="staging", actor=world.owner)
    reason = "r" * (limits.NOTE + 1)
    expected = api_detail(
        world.evaluator,
        "post",
        f"/api/v1/promotions/{request.pk}/reject/",
        {"reason": reason},
        "too_long",
    )
    assert "reason" in expected and "5,000" in expected
    client.force_login(world.evaluator.user)
    before = AuditEvent.objects.count()

    response = client.post(
        reverse("registry:promotion_reject", args=[request.pk]), {"reason": reason}, **HTMX
    )

    assert response.status_code == 200 and expected in page_text(response)
    request.refresh_from_db()
    assert request.state == "pending" and AuditEvent.objects.count() == before
    assert PromotionRequest.objects.filter(decision_note=reason).count() == 0


def test_a_too_long_card_section_on_the_page_reads_as_on_the_api(client, world):
    card = world.register().card
    summary = "s" * (limits.CARD_SECTION + 1)
    expected = api_detail(
        world.owner,
        "patch",
        f"/api/v1/models/{world.model.name}/versions/1/card/",
        {"summary": summary},
        "too_long",
    )
    client.force_login(world.owner.user)

    response = client.post(
        f"/models/{world.model.name}/v1/card/sections/summary/edit/", {"summary": summary}, **HTMX
    )

    assert response.status_code == 200 and expected in page_text(response)
    card.refresh_from_db()
    assert card.summary == ""


@pytest.mark.parametrize("name", ["ACC-UPPER", "Bad Name", "a_b", "x" * (limits.NAME + 1)])
def test_a_bad_model_name_in_the_admin_reads_as_on_the_api(client, world, name):
    body = {"name": name, "team": world.team.slug, "task": "fraud"}
    expected = api_detail(world.owner, "post", "/api/v1/models/", body, "invalid_name")
    world.owner.user.is_staff = True
    world.owner.user.save()
    world.owner.user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_model", "add_model"])
    )
    client.force_login(world.owner.user)
    before = (Model.objects.count(), AuditEvent.objects.count())

    response = client.post(
        "/admin/registry/model/add/",
        {"name": name, "team": world.team.pk, "task": "fraud", "description": ""},
    )

    assert response.status_code == 200 and expected in page_text(response)
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


def test_a_too_long_model_description_in_the_admin_reads_as_on_the_api(client, world):
    description = "d" * (limits.DESCRIPTION + 1)
    body = {"name": "fraud", "team": world.team.slug, "task": "fraud", "description": description}
    expected = api_detail(world.owner, "post", "/api/v1/models/", body, "too_long")
    world.owner.user.is_staff = True
    world.owner.user.save()
    world.owner.user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_model", "add_model"])
    )
    client.force_login(world.owner.user)

    response = client.post(
        "/admin/registry/model/add/",
        {"name": "fraud", "team": world.team.pk, "task": "fraud", "description": description},
    )

    assert response.status_code == 200 and expected in page_text(response)
    assert not Model.objects.filter(name="fraud").exists()


def test_a_bad_benchmark_slug_on_the_page_is_refused_not_rewritten(client, world):
    client.force_login(world.lead.user)
    response = client.post(
        "/benchmarks/new/",
        {"slug": "Toxicity Rate", "name": "Toxicity", "metric": "m", "owner_team": world.team.pk},
    )
    assert response.status_code == 200
    assert "'Toxicity Rate' cannot be a benchmark slug" in page_text(response)
    assert "e.g. 'toxicity-rate'" in page_text(response)
