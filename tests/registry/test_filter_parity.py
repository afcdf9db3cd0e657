"""The registry page and the API's model list share one meaning per filter (q, stage, team,
task): the same parameters give the same rows through both."""

import itertools

import pytest

from mlteam.api.filters import ModelFilter as ApiModelFilter
from mlteam.registry.selectors import models_for_registry
from mlteam.web.registry.filters import ModelFilter as PageModelFilter
from tests.factories import ModelFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(world):
    """Models whose names, tasks and descriptions overlap in the words the filters look for."""
    search = TeamFactory(slug="search", name="Search")
    ModelFactory(name="ranker", team=search, task="ranking", description="Orders results.")
    ModelFactory(name="intent-ranker", team=world.model.team, task="ranking", description="")
    ModelFactory(name="fraud-scorer", team=search, task="anomaly", description="Ranks risky rows.")
    world.in_production()  # world.model gets versions in staging history and production
    return world


def page_names(params: dict) -> set[str]:
    data = dict(params)
    if "team" in data:  # the page's team select posts the team's id, the API its slug
        data["team"] = str(TeamFactory._meta.model.objects.get(slug=data["team"]).pk)
    rows = PageModelFilter(data, queryset=models_for_registry())
    assert rows.is_valid(), rows.errors
    return set(rows.qs.values_list("name", flat=True))


def api_names(params: dict) -> set[str]:
    rows = ApiModelFilter(params, queryset=models_for_registry())
    assert rows.is_valid(), rows.errors
    return set(rows.qs.values_list("name", flat=True))


QUERIES = ["", "rank", "RANK", "anomaly", "risky", "intent", "  scorer  ", "nothing-like-it"]
STAGES = ["", "experimental", "production", "deprecated"]
TASKS = ["", "ranking", "anomaly"]


def test_q_means_name_task_or_description_on_both(catalogue):
    assert api_names({"q": "rank"}) == {"ranker", "intent-ranker", "fraud-scorer"}
    assert page_names({"q": "anomaly"}) == {"fraud-scorer"}  # the task only


def test_page_and_api_return_the_same_models(catalogue):
    combinations = itertools.product(QUERIES, STAGES, TASKS, ["", "search", "owner"])
    for q, stage, task, team in combinations:
        team = catalogue.model.team.slug if team == "owner" else team
        given = {"q": q, "stage": stage, "task": task, "team": team}
        params = {key: value for key, value in given.items() if value}
        assert page_names(params) == api_names(params), params


def test_filters_do_narrow(catalogue):
    team = catalogue.model.team.slug
    assert (
        page_names({"team": team})
        == api_names({"team": team})
        == {
            catalogue.model.name,
            "intent-ranker",
        }
    )
    assert api_names({"stage": "production"}) == {catalogue.model.name}
