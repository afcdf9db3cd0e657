"""The registry, model and version pages, and requesting a promotion from a version page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.models import PromotionRequest
from mlteam.roster.models import ModelConsumer
from tests.factories import MemberFactory, ModelFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# -- the registry table ---------------------------------------------------------------------------


def test_registry_lists_models_with_production_and_latest_version(client, world):
    v1 = world.in_production()
    world.register()
    client.force_login(world.outsider.user)

    response = client.get(reverse("registry:models"))

    page = text(response)
    assert response.status_code == 200
    assert world.model.name in page
    assert f"v{v1.version} production" in page
    assert 'href="/models/intent-classifier/v2/"' in page and "experimental" in page
    assert world.model.team.name in page


def test_registry_filters_by_text_stage_team_task_and_owner(client, world):
    world.in_production()
    other_team = TeamFactory(name="Vision", slug="vision")
    vision_owner = MemberFactory(team=other_team, role=world.owner.role)
    detector = ModelFactory(name="image-detector", team=other_team, task="object-detection")
    services.artifact_register(model=detector, actor=vision_owner)
    client.force_login(world.outsider.user)
    url = reverse("registry:models")

    def names(**params):
        page = text(client.get(url, params))
        return {n for n in ("intent-classifier", "image-detector") if f">{n}</a>" in page}

    assert names() == {"intent-classifier", "image-detector"}
    assert names(q="DETECT") == {"image-detector"}
    assert names(stage="production") == {"intent-classifier"}
    assert names(stage="experimental") == {"image-detector"}
    assert names(team=other_team.pk) == {"image-detector"}
    assert names(task="object-detection") == {"image-detector"}
    assert names(owner=world.owner.pk) == {"intent-classifier"}
    assert names(task="text-classification", stage="experimental") == set()


def test_registry_reports_a_bad_filter_value_and_still_answers(client, world):
    client.force_login(world.outsider.user)

    response = client.get(reverse("registry:models"), {"team": "999999", "stage": "nirvana"})

    page = text(response)
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert world.model.name in page  # the broken filters are ignored, not fatal


def test_registry_filter_form_is_labelled_and_filters_as_you_type(client, world):
    client.force_login(world.outsider.user)

    page = text(client.get(reverse("registry:models")))

    for field in ("q", "stage", "team", "task", "owner"):
        assert f'<label for="id_{field}">' in page
    assert 'hx-trigger="input changed delay:300ms, search, submit"' in page
    assert 'hx-target="#table-region"' in page and 'hx-push-url="true"' in page


def test_htmx_swaps_only_the_table_and_varies_on_the_header(client, world):
    client.force_login(world.outsider.user)
    url = reverse("registry:models")

    partial = client.get(url, {"q": "intent", "sort": "-name"}, **HTMX)
    full = client.get(url, {"q": "intent"})
    restore = client.get(url, {"q": "intent"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert "<html" not in text(partial) and "<table" in text(partial)
    assert "HX-Request" in partial["Vary"]
    # Sort links keep the filter, and the chosen sort rides along with the next filter change.
    assert "q=intent" in text(partial)
    assert 'name="sort" value="-name" form="model-filters"' in text(partial)
    assert "<html" in text(full) and 'id="model-filters"' in text(full)
    assert "<html" in text(restore)  # Back after the history cache is gone needs the full page


def test_registry_sorts_and_pages_without_javascript(client, world):
    for n in range(30):
        ModelFactory(name=f"m-{n:02d}", team=world.model.team)
    client.force_login(world.outsider.user)
    url = reverse("registry:models")

    first = text(client.get(url))
    second = text(client.get(url, {"page": 2}))
    descending = text(client.get(url, {"sort": "-name"}))

    assert ">m-00</a>" in first and ">m-29</a>" not in first
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert ">m-29</a>" in second
    assert descending.index(">m-29</a>") < descending.index(">m-28</a>")
    assert text(client.get(url, {"page": 99})).count("Page 2 of 2") == 1  # past the end: last page


def _models_with_versions(world, count: int, prefix: str) -> None:
    """Each model on its own team with its own owner, so a per-row query would show."""
    for n in range(count):
        team = TeamFactory()
        model = ModelFactory(name=f"{prefix}-{n:03d}", team=team)
        owner = MemberFactory(team=team, role=world.owner.role)
        services.artifact_register(model=model, actor=owner)


def test_registry_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.outsider.user)
    url = reverse("registry:models") + "?per_page=100"
    _models_with_versions(world, 1, "one")
    one = queries_for(client, url)

    _models_with_versions(world, 49, "many")
    fifty = queries_for(client, url)

    assert one == fifty


def test_page_size_from_the_url_is_capped(client, world):
    for n in range(120):
        ModelFactory(name=f"cap-{n:03d}", team=world.model.team)
    client.force_login(world.outsider.user)

    page = text(client.get(reverse("registry:models"), {"per_page": 100000}))

    assert page.count('class="model-name"') == 100
    assert "Page 1 of 2" in page


# -- model page -----------------------------------------------------------------------------------


def test_model_page_shows_versions_scores_consumers_and_timeline(client, world):
    v1 = world.in_production()
    world.register()
    consumer = TeamFactory(name="Helpdesk", slug="helpdesk")
    ModelConsumer.objects.create(team=consumer, model=world.model)
    client.force_login(world.outsider.user)

    response = client.get(world.model.get_absolute_url())

    page = text(response)
    assert response.status_code == 200
    assert f"v{v1.version} production" in page and "(in production)" in page
    assert "Safety suite" in page and "0.99" in page  # key scores
    assert "Helpdesk" in page
    assert "Stage changed" in page  # timeline
    assert 'href="/models/intent-classifier/v2/"' in page


def test_unknown_model_and_version_are_404(client, world):
    client.force_login(world.outsider.user)

    assert client.get("/models/no-such-model/").status_code == 404
    assert client.get("/models/intent-classifier/v9/").status_code == 404


# -- version page ---------------------------------------------------------------------------------


def test_version_page_shows_facts_scores_against_the_next_gate_card_and_timeline(client, world):
    v1 = world.in_production()
    v2 = world.register(artifact_uri="s3://models/intent/v2")
    world.passing_evals(v2)
    world.move(v2, Stage.STAGING)
    eval_record(artifact=v2, benchmark=world.latency, value=420, actor=world.owner)
    client.force_login(world.requester.user)

    page = text(client.get(v2.get_absolute_url()))

    assert "s3://models/intent/v2" in page
    assert world.owner.display_name in page
    # Scores each against the staging → production thresholds, with the verdict in words.
    assert "420" in page and "≤ 350" in page and "Fail" in page
    assert "≥ 0.98" in page and "Pass" in page
    assert "Complete" in page  # card summary
    assert "Request promotion to production" in page
    assert "Request promotion to deprecated" not in page  # no protocol from staging to there
    assert "Version registered" in page and "Promotion approved" in page  # full timeline
    assert f"v{v1.version}" in text(client.get(world.model.get_absolute_url()))


def test_version_page_offers_only_transitions_with_an_active_protocol(client, world):
    v1 = world.in_production()
    world.retire.active = False
    world.retire.save()
    client.force_login(world.lead.user)

    page = text(client.get(v1.get_absolute_url()))

    assert "Request promotion to" not in page
    assert "No active handoff protocol leaves production" in page


def test_version_page_previews_the_checklist_of_the_next_gate(client, world):
    artifact = world.register()
    client.force_login(world.requester.user)

    page = text(client.get(artifact.get_absolute_url()))

    assert "Request promotion to staging" in page
    assert "Missing sections:" in page  # the card is empty
    assert "no result recorded" in page  # safety not measured yet
    assert "Needs sign-off" in page  # the manual item


def test_version_page_explains_who_may_request(client, world):
    artifact = world.register()
    client.force_login(world.outsider.user)

    page = text(client.get(artifact.get_absolute_url()))

    assert "Request promotion to staging" not in page
    assert "Only members of Applied ML (or an ML lead) can request promotions" in page


# -- requesting a promotion -----------------------------------------------------------------------


def _request_url(artifact) -> str:
    return reverse("registry:request_promotion", args=[artifact.model.name, artifact.version])


def test_requesting_a_promotion_creates_it_and_opens_its_page(client, world):
    artifact = world.register()
    client.force_login(world.requester.user)

    response = client.post(_request_url(artifact), {"to_stage": "staging", "note": "ready"})

    request = PromotionRequest.objects.get(artifact=artifact)
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.requested_by == world.requester and request.note == "ready"
    follow = text(client.get(response["Location"]))
    assert "Requested intent-classifier v1 experimental → staging" in follow


def test_requesting_over_htmx_redirects_the_whole_page(client, world):
    artifact = world.register()
    client.force_login(world.requester.user)

    response = client.post(_request_url(artifact), {"to_stage": "staging"}, **HTMX)

    request = PromotionRequest.objects.get(artifact=artifact)
    assert response.status_code == 200
    assert response["HX-Redirect"] == request.get_absolute_url()


@pytest.mark.parametrize(
    ("who", "to_stage", "expected"),
    [
        ("outsider", "staging", "Only members of Applied ML"),
        (
            "requester",
            "production",
            "There is no active handoff protocol for experimental → production",
        ),
        ("requester", "nirvana", "&#x27;nirvana&#x27; is not a stage"),
    ],
)
def test_a_refused_request_is_shown_inline_and_changes_nothing(
    client, world, who, to_stage, expected
):
    artifact = world.register()
    client.force_login(getattr(world, who).user)

    response = client.post(_request_url(artifact), {"to_stage": to_stage}, **HTMX)

    assert response.status_code == 200
    assert expected in text(response)
    assert 'id="promotion-request"' in text(response) and "<html" not in text(response)
    assert not PromotionRequest.objects.exists()


def test_a_second_request_for_the_same_version_is_refused(client, world):
    artifact = world.register()
    services.promotion_request(artifact=artifact, to_stage="staging", actor=world.requester)
    client.force_login(world.owner.user)

    response = client.post(_request_url(artifact), {"to_stage": "staging"})

    assert response.status_code == 200
    assert "already has a pending request" in text(response)
    assert PromotionRequest.objects.count() == 1


def test_a_user_without_roster_entry_is_told_why(client, world):
    artifact = world.register()
    client.force_login(UserFactory())

    response = client.post(_request_url(artifact), {"to_stage": "staging"})

    assert "You have no roster entry" in text(response)
    assert not PromotionRequest.objects.exists()


def test_requesting_needs_the_csrf_token(world):
    artifact = world.register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.requester.user)

    refused = client.post(_request_url(artifact), {"to_stage": "staging"})
    page = text(client.get(artifact.get_absolute_url()))
    token = client.cookies["csrftoken"].value
    accepted = client.post(_request_url(artifact), {"to_stage": "staging"}, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert "csrfmiddlewaretoken" in page
    assert accepted.status_code == 302
    assert PromotionRequest.objects.count() == 1


def test_pages_answer_get_only_and_actions_post_only(client, world):
    artifact = world.register()
    client.force_login(world.requester.user)

    assert client.post(reverse("registry:models")).status_code == 405
    assert client.get(_request_url(artifact)).status_code == 405


def test_model_and_version_pages_query_count_does_not_grow(client, world):
    client.force_login(world.outsider.user)
    first = world.register()
    world.passing_evals(first)
    model_one = queries_for(client, world.model.get_absolute_url())
    version_one = queries_for(client, first.get_absolute_url())

    for _ in range(10):
        world.passing_evals(world.register())
    for value in (0.91, 0.92, 0.93):
        eval_record(artifact=first, benchmark=world.safety, value=value, actor=world.owner)
    world.move(first, Stage.STAGING)

    assert queries_for(client, world.model.get_absolute_url()) == model_one
    assert queries_for(client, first.get_absolute_url()) == version_one


@pytest.mark.parametrize(
    "params",
    [{"sort": "bogus"}, {"page": "abc"}, {"per_page": "abc"}, {"per_page": "-5"}, {"page": "-1"}],
)
def test_broken_sort_and_paging_parameters_fall_back_to_defaults(client, world, params):
    client.force_login(world.outsider.user)

    response = client.get(reverse("registry:models"), params)

    assert response.status_code == 200
    assert world.model.name in text(response)
