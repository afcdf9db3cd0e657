"""The dashboard: what waits for me first, then versions per stage and recent events, all linked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.kernel.enums import Stage
from mlteam.registry import services
from tests.factories import UserFactory
from tests.worlds import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def pending_to_production(world):
    world.in_production()
    artifact = world.register()
    world.passing_evals(artifact)
    world.move(artifact, Stage.STAGING)
    request = services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )
    return artifact, request


def test_gate_owner_sees_the_request_waiting_for_them_linked(client, world):
    artifact, request = pending_to_production(world)
    client.force_login(world.gate.user)

    page = client.get("/").content.decode()

    waiting = page[page.index("Waiting for your sign-off") : page.index("Your pending requests")]
    assert f'href="{request.get_absolute_url()}"' in waiting
    assert f'href="{artifact.get_absolute_url()}"' in waiting
    assert "Nothing is waiting for you" not in waiting


def test_requester_sees_their_pending_request_and_nothing_to_sign(client, world):
    _, request = pending_to_production(world)
    client.force_login(world.requester.user)

    page = client.get("/").content.decode()

    mine = page[page.index("Your pending requests") : page.index("Versions per stage")]
    assert "Nothing is waiting for you." in page
    assert f'href="{request.get_absolute_url()}"' in mine


def test_stage_counts_and_events_link_to_the_registry(client, world):
    _, request = pending_to_production(world)
    client.force_login(world.outsider.user)

    page = client.get("/").content.decode()

    assert 'href="/models/?stage=production"' in page
    # the "requested" event: its summary in words, then a short link to the request
    assert (
        f'<a class="event-link" href="{request.get_absolute_url()}">request #{request.pk}</a>'
        in page
    )
    assert 'href="/promotions/?show=waiting"' in page


def test_without_a_roster_entry_the_dashboard_still_answers(client, world):
    pending_to_production(world)
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert "You have no roster entry" in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_the_registry(client, world):
    client.force_login(world.gate.user)
    pending_to_production(world)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    for _ in range(20):
        services.promotion_request(artifact=world.register(), to_stage="staging", actor=world.owner)
    with CaptureQueriesContext(connection) as large:
        client.get("/")

    assert len(small) == len(large)


def test_the_dashboard_lists_each_request_once_with_counts(client, world):
    _, request = pending_to_production(world)
    other = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    client.force_login(world.gate.user)

    page = client.get("/").content.decode()

    waiting = page[page.index("Waiting for your sign-off") : page.index("Your pending requests")]
    others = page[page.index("Other pending promotions") : page.index("Recent events")]
    assert '<span class="count-pill">1<span class="visually-hidden"> request</span>' in waiting
    assert f'href="{request.get_absolute_url()}"' in waiting
    assert f'href="{request.get_absolute_url()}"' not in others  # not repeated below
    assert f'href="{other.get_absolute_url()}"' in others  # what the gate owner does not sign
    assert "All pending promotions" not in page
