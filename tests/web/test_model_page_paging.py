"""The model page pages its versions (newest first, 20 a page) in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.web.registry.views import VERSIONS_PER_PAGE
from tests.registry.conftest import build_world

pytestmark = pytest.mark.django_db
URL = "/models/intent-classifier/"


@pytest.fixture
def world(db):
    return build_world()


def table_of(page: str) -> str:
    return page[page.index("versions-table") : page.index("</table>")]


def versions_on(page: str) -> list[str]:
    table = table_of(page)
    return [cell.split("</strong>")[0] for cell in table.split("<strong>v")[1:]]


def test_page_two_shows_the_older_versions_with_links_both_ways(client, world):
    for _ in range(VERSIONS_PER_PAGE + 3):
        world.register()
    world.record(world.model.artifacts.get(version=2), world.safety, 0.93)
    client.force_login(world.outsider.user)

    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()

    assert versions_on(first) == [str(v) for v in range(23, 3, -1)]
    assert versions_on(second) == ["3", "2", "1"]
    assert "0.93" in table_of(second) and "0.93" not in table_of(
        first
    )  # key scores of the versions shown
    assert 'aria-label="Version pages"' in first
    assert 'href="?page=2#versions-heading" rel="next"' in first
    assert 'href="?page=1#versions-heading" rel="prev"' in second and 'rel="next"' not in second
    assert "Page 2 of 2" in second and "<dd>23</dd>" in second  # the count is every version


def test_a_page_past_the_end_or_not_a_number_shows_a_real_page(client, world):
    world.register()
    client.force_login(world.outsider.user)

    assert versions_on(client.get(URL + "?page=9").content.decode()) == ["1"]
    assert versions_on(client.get(URL + "?page=x").content.decode()) == ["1"]


def test_one_page_has_no_pagination(client, world):
    world.register()
    client.force_login(world.outsider.user)

    assert 'aria-label="Version pages"' not in client.get(URL).content.decode()


def test_queries_do_not_grow_with_versions(client, world):
    world.record(world.register(), world.safety, 0.91)
    client.force_login(world.outsider.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(2 * VERSIONS_PER_PAGE):
        world.record(world.register(), world.safety, 0.92)
    with CaptureQueriesContext(connection) as many:
        client.get(URL + "?page=2")

    assert len(many) == len(few)
