"""Cursor pagination: stable pages without counting or skipping rows."""

import pytest

from mlteam.registry.models import Model
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_cursor_pages_walk_every_row_once(world, as_user):
    team = TeamFactory()
    Model.objects.bulk_create(Model(name=f"bulk-{i:03d}", team=team, task="t") for i in range(23))
    api = as_user(world.reader)
    url, seen = "/api/v1/models/?page_size=10&ordering=name", []
    while url:
        page = api.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        assert len(page["results"]) <= 10
        seen += [m["name"] for m in page["results"]]
        url = page["next"]
    assert seen == sorted(Model.objects.values_list("name", flat=True))
    assert len(seen) == 24


def test_page_size_is_capped_and_cursors_are_checked(world, as_user):
    api = as_user(world.reader)
    assert api.get("/api/v1/models/?page_size=100000").status_code == 200
    response = api.get("/api/v1/models/?cursor=garbage")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
