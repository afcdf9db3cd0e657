"""Cursor pagination: stable pages without counting or skipping rows."""

import json
from base64 import b64encode
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from rest_framework.generics import ListAPIView

from mlteam.api import urls as api_urls
from mlteam.api.pagination import ordering_choices, ordering_fields_of
from mlteam.evals.services import eval_record
from mlteam.kernel.models import AuditEvent
from mlteam.notifications.models import WebhookDelivery
from mlteam.notifications.services import webhook_create
from mlteam.registry import services
from mlteam.registry.models import Model, ModelArtifact, PromotionRequest
from mlteam.tracking.models import RunMetric
from tests.factories import (
    BenchmarkFactory,
    ExperimentFactory,
    MemberFactory,
    ProtocolFactory,
    RunFactory,
    TeamFactory,
)

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


def encoded(querystring: str) -> str:
    return b64encode(querystring.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "ñ",
        encoded("o=1"),
        encoded("r=2"),
        encoded("r=0"),
        encoded("p=2026-01-01T00:00:00%2B00:00"),  # no id
        encoded("p=not-a-time&k=1"),  # the default ordering of events is by time
        encoded("p=None&k=1"),
        encoded("p=2026-01-01T00:00:00&k=1"),  # no offset
        encoded("p=9999-12-31T23:59:59-05:00&k=1"),
        encoded("p=2026-01-01%00&k=1"),
        encoded("p=2026-01-01T00:00:00%2B00:00&k=99999999999999999999"),
        encoded("p=2026-01-01T00:00:00%2B00:00&k=1&k=2"),
    ],
)
def test_a_bad_cursor_is_400_invalid(world, as_user, cursor):
    api = as_user(world.reader)
    response = api.get("/api/v1/events/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and "cursor" in body["fields"]
    assert "next" in body["detail"]


@pytest.mark.parametrize(
    "url, cursor",
    [
        ("/api/v1/promotions/", encoded("p=99999999999999999999999999&k=1")),  # not a time
        ("/api/v1/members/?ordering=id", encoded("p=99999999999999999999999999")),  # > bigint
        ("/api/v1/members/?ordering=id", encoded("p=1.5")),
        ("/api/v1/members/?ordering=id", encoded("p=1&k=1")),  # a cursor of another ordering
        ("/api/v1/models/intent/versions/1/evals/?ordering=value", encoded("p=nan&k=1")),
    ],
)
def test_a_cursor_position_of_the_wrong_type_is_400(world, as_user, url, cursor):
    response = as_user(world.reader).get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid"


def test_an_unknown_ordering_is_refused_naming_the_allowed_ones(world, as_user):
    api = as_user(world.reader)
    for ordering in ("decided_at", "created_at", "name,-updated_at", "team__name", "-"):
        response = api.get("/api/v1/models/", {"ordering": ordering})
        assert response.status_code == 400, (ordering, response.content)
        body = response.json()
        assert body["error"] == "invalid"
        assert "name, -name, updated_at, -updated_at" in body["detail"]
    response = api.get("/api/v1/promotions/", {"ordering": "-decided_at"})
    assert (
        response.status_code == 400 and "requested_at, -requested_at" in response.json()["detail"]
    )
    assert api.get("/api/v1/models/", {"ordering": ""}).status_code == 200  # the default


def list_views(patterns=api_urls.urlpatterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from list_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and issubclass(view, ListAPIView):
                yield prefix + str(pattern.pattern), view


def test_list_views_offer_only_orderings_a_cursor_can_keep(db):
    """A cursor keeps the last row's value of the ordering field: the field must be a real,
    non-null column of the listed model (no NULLs, no joins)."""
    views = dict(list_views())
    assert len(views) >= 12
    for route, view in views.items():
        model = view.serializer_class.Meta.model
        for name in ordering_fields_of(view):
            field = model._meta.get_field(name)
            assert field.concrete and not field.null, (route, name)


@pytest.fixture
def busy(world):
    """Rows of every listed kind, with ties on every ordering field and NULLs in nullable
    columns (pending requests have no decided_at)."""
    member, gate = world.member, world.gate_owner
    same = timezone.now() - timedelta(days=1)
    team = TeamFactory(slug="zz-team", name="ZZ team")
    Model.objects.bulk_create(
        Model(name=f"tied-{i}", team=team, task="t", created_at=same, updated_at=same)
        for i in range(3)
    )
    for i in range(4):
        services.artifact_register(model=world.model, actor=member, artifact_uri=f"s3://m/{i}")
    artifacts = list(ModelArtifact.objects.filter(model=world.model).order_by("version"))
    ModelArtifact.objects.filter(pk__in=[a.pk for a in artifacts[:3]]).update(
        created_at=same, status_changed_at=same
    )
    for artifact in artifacts:
        request = services.promotion_request(artifact=artifact, to_stage="staging", actor=member)
        if artifact.version % 3 == 1:
            services.promotion_withdraw(request=request, actor=member)
            services.promotion_request(artifact=artifact, to_stage="staging", actor=member)
        elif artifact.version % 3 == 2:
            services.promotion_reject(request=request, actor=gate, reason="Not yet.")
    promotions = PromotionRequest.objects.all()
    assert promotions.filter(decided_at__isnull=True).count() >= 3
    assert promotions.filter(decided_at__isnull=False).count() >= 2
    PromotionRequest.objects.filter(
        pk__in=list(promotions.values_list("pk", flat=True))[:4]
    ).update(requested_at=same)
    for value in (0.9, 0.9, 0.8, 0.9, 0.8):
        eval_record(artifact=world.artifact, benchmark=world.benchmark, value=value, actor=member)
    for i in range(3):
        MemberFactory(user__username=f"tied-{i}", team=team)
        BenchmarkFactory(slug=f"tied-{i}", name="Tied", owner_team=team)
        ProtocolFactory(name="Tied", from_stage="staging", to_stage="production", active=False)
        ExperimentFactory(name="tied", team=TeamFactory(), owner=member, created_at=same)
    experiment = ExperimentFactory(name="tied", team=world.team, owner=member, created_at=same)
    runs = [RunFactory(experiment=experiment, started_at=same) for _ in range(4)]
    RunMetric.objects.bulk_create(
        RunMetric(run=runs[0], key=key, step=step, value=0.5, logged_at=same)
        for key, steps in (("loss", 4), ("acc", 3))
        for step in range(steps)
    )
    hooks = [
        webhook_create(actor=world.lead, url=f"https://hooks.example.com/{i}").subscription
        for i in range(3)
    ]
    event = AuditEvent.objects.order_by("id").first()
    for i in range(4):
        WebhookDelivery.objects.create(
            subscription=hooks[0],
            event=event,
            event_type="version.registered",
            message_id=f"msg_walk_{i}",
            created_at=same,
        )
    return {"pk": experiment.pk, "run": runs[0].pk, "hook": hooks[0].pk}


LISTS = [
    "/api/v1/models/",
    "/api/v1/models/intent/versions/",
    "/api/v1/models/intent/versions/1/evals/",
    "/api/v1/models/intent/versions/1/promotions/",
    "/api/v1/promotions/",
    "/api/v1/protocols/",
    "/api/v1/benchmarks/",
    "/api/v1/teams/",
    "/api/v1/members/",
    "/api/v1/experiments/",
    "/api/v1/experiments/{pk}/runs/",
    "/api/v1/runs/{run}/metrics/",
    "/api/v1/events/",
    "/api/v1/webhooks/",
    "/api/v1/webhooks/{hook}/deliveries/",
]


def test_the_walk_below_covers_every_list_endpoint():
    routes = {route for route, _ in list_views()}
    assert len(routes) == len(LISTS), sorted(routes)


def walk(api, url: str) -> tuple[list[str], list[str]]:
    """Follow ``next`` to the end, then ``previous`` back to the start: the rows seen each way."""
    forward, page = [], None
    while url:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        page = response.json()
        forward += [json.dumps(row, sort_keys=True) for row in page["results"]]
        url = page["next"]
        assert len(forward) < 500, "the walk does not end"
    backward = [json.dumps(row, sort_keys=True) for row in page["results"]]
    url = page["previous"]
    while url:
        page = api.get(url).json()
        backward = [json.dumps(row, sort_keys=True) for row in page["results"]] + backward
        url = page["previous"]
        assert len(backward) < 500, "the walk back does not end"
    return forward, backward


@pytest.mark.parametrize("path", LISTS)
def test_every_offered_ordering_visits_every_row_exactly_once(world, busy, as_user, path):
    from django.urls import resolve

    api = as_user(world.lead)
    path = path.format(**busy)
    everything = api.get(path, {"page_size": 500}).json()["results"]
    rows = sorted(json.dumps(row, sort_keys=True) for row in everything)
    assert len(rows) >= 2, path
    for ordering in ordering_choices(resolve(path).func.view_class):
        for page_size in (1, 2):
            forward, backward = walk(api, f"{path}?ordering={ordering}&page_size={page_size}")
            assert sorted(forward) == rows, (path, ordering, page_size)
            assert backward == forward, (path, ordering, page_size)
