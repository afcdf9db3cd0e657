"""The defects a new user found (issue 16), each held by a test of the page that had it."""

from pathlib import Path

import pytest
from django.test import override_settings

from mlteam.cards.services import card_update
from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.tracking.services import experiment_create
from tests.registry.conftest import build_world

pytestmark = pytest.mark.django_db
STATIC = Path(__file__).resolve().parents[2] / "static"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(db):
    return build_world()


def page_of(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def test_experiments_rows_have_one_link_a_team_heading_and_unwrapped_dates(client, world):
    experiment = experiment_create(name="Intent v1", team=world.model.team, owner=world.owner)
    client.force_login(world.outsider.user)
    page = page_of(client, "/experiments/")
    row = page[page.index("<tbody") : page.index("</tbody>")]
    assert row.count(f'href="{experiment.get_absolute_url()}"') == 1  # no link inside a link
    name_cell = row.split("<td")[1]
    assert name_cell.count("<a ") == 1
    head = page[page.index("<thead") : page.index("</thead>")]
    assert ">Team</a>" in head and "Name" not in head
    assert 'class="tr-nowrap"' in row


def test_model_page_links_the_production_card_and_folds_its_timeline(client, world):
    production = world.in_production()
    for _ in range(6):
        world.register()
    client.force_login(world.outsider.user)
    page = page_of(client, world.model.get_absolute_url())
    assert (
        f'href="/models/{world.model.name}/v{production.version}/card/">Read its model card' in page
    )
    timeline = page[page.index('id="timeline-heading"') :]
    shown = timeline.split('<details class="more-events">')[0]
    assert shown.count("<li>") == 8  # the latest few; the rest folded
    assert "Show " in timeline and "earlier events" in timeline
    assert 'class="score-chips"' in page or "no results yet" in page


def test_version_timeline_is_newest_first_like_the_model_page(client, world):
    artifact = world.in_production()
    client.force_login(world.outsider.user)
    page = page_of(client, artifact.get_absolute_url())
    timeline = page[page.index('id="timeline-heading"') :]
    assert timeline.index("Stage changed") < timeline.index("Version registered")


def test_promotion_page_folds_reject_links_evidence_and_names_the_next_request(client, world):
    world.in_production()
    first, second = world.register(), world.register()
    for artifact in (first, second):
        world.passing_evals(artifact)
        world.move(artifact, Stage.STAGING) if artifact is first else None
    request = services.promotion_request(
        artifact=first, to_stage=Stage.PRODUCTION, actor=world.requester
    )
    world.sign_manual_items(request, world.gate)
    client.force_login(world.gate.user)

    page = page_of(client, request.get_absolute_url())
    assert '<details class="reject-box decision-form">' in page  # folded beside Approve
    assert 'href="/benchmarks/' in page  # metric items link to the results they read
    assert f'href="/models/{world.model.name}/v{first.version}/card/">Read the model card' in page

    # A second request waits for this gate owner: after approving, the page says which.
    world.move(second, Stage.STAGING)
    waiting = services.promotion_request(
        artifact=second, to_stage=Stage.PRODUCTION, actor=world.requester
    )
    response = client.post(f"{request.get_absolute_url()}approve/", {"note": ""}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Next waiting for your sign-off" in html
    assert f'href="{waiting.get_absolute_url()}"' in html and "data-focus-after-swap" in html


def test_a_refused_rejection_reopens_the_reject_box(client, world):
    request = services.promotion_request(
        artifact=world.register(), to_stage=Stage.STAGING, actor=world.requester
    )
    client.force_login(world.evaluator.user)
    html = client.post(f"{request.get_absolute_url()}reject/", {"reason": " "}, **HTMX)
    assert '<details class="reject-box decision-form" open>' in html.content.decode()


def test_card_page_has_a_section_index_and_hides_empty_optional_sections_from_readers(
    client, world
):
    artifact = world.register()
    world.passing_evals(artifact)
    card_update(card=artifact.card, actor=world.owner, changes={"additional_information": ""})
    url = f"/models/{world.model.name}/v{artifact.version}/card/"

    client.force_login(world.outsider.user)
    page = page_of(client, url)
    assert '<nav class="mc-index no-print" aria-label="Sections of this card">' in page
    assert 'href="#section-summary"' in page
    assert "Additional information" not in page and "Nothing here yet" not in page

    client.force_login(world.owner.user)
    assert "Additional information" in page_of(client, url)  # the team sees it to fill it in


def test_a_card_section_url_opened_without_htmx_goes_to_that_section(client, world):
    artifact = world.register()
    client.force_login(world.outsider.user)
    card = f"/models/{world.model.name}/v{artifact.version}/card/"
    response = client.get(f"{card}sections/summary/")
    assert response.status_code == 302 and response["Location"] == f"{card}#section-summary"
    assert client.get(f"{card}sections/summary/", **HTMX).status_code == 200


@override_settings(DEBUG=False)
def test_not_found_is_the_sites_own_page_with_navigation(client, world):
    client.force_login(world.outsider.user)
    response = client.get("/models/no-such-model/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'aria-label="Main"' in html and "Page not found" in html and 'href="/models/"' in html


def test_the_deprecated_badge_is_not_struck_through():
    css = (STATIC / "css" / "mlteam.css").read_text()
    rule = css[css.index(".stage-deprecated {") :].split("}")[0]
    assert "line-through" not in rule


def test_admin_inline_fields_are_named_and_the_nav_sidebar_is_gone(client, world):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    html = page_of(client, f"/admin/registry/handoffprotocol/{world.to_production.pk}/change/")
    assert 'aria-label="Position"' in html and 'aria-label="Kind"' in html
    assert 'aria-label="Delete this row"' in html
    assert 'id="nav-sidebar"' not in html
    assert "css/admin.css" in html
