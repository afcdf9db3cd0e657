"""``PreparedRead``: compiled once per connection, then the same rows as the ORM's own query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mlteam.kernel.prepared import PreparedRead
from mlteam.registry.models import Model, ModelArtifact
from tests.factories import MemberFactory, ModelFactory

pytestmark = pytest.mark.django_db


def versions(name, version):
    return ModelArtifact.objects.filter(model__name=name, version__gte=version).values(
        "model__name", "version", "created_at"
    )


def created_since(name, since):
    return Model.objects.filter(name=name, created_at__gte=since).values("name", "created_at")


@pytest.fixture
def registry():
    owner = MemberFactory()
    now = timezone.now()
    models = [ModelFactory(name=f"prepared-{i}", team=owner.team) for i in range(3)]
    for i, model in enumerate(models):
        for v in range(1, 4):
            ModelArtifact.objects.create(
                model=model,
                version=v,
                owner=owner,
                created_at=now - timedelta(days=v + i),
                status_changed_at=now,
            )
    return models


def test_rows_are_the_querysets_values_for_every_argument(registry):
    read = PreparedRead(versions, name="text", version="int")
    for model in registry:
        for version in (1, 2, 3, 4):
            expected = sorted(versions(model.name, version), key=lambda r: r["version"])
            got = sorted(read.rows(name=model.name, version=version), key=lambda r: r["version"])
            assert got == expected
            # The ORM's converters ran: times are datetimes on SQLite too, not text.
            assert all(isinstance(row["created_at"], type(timezone.now())) for row in got)


def test_the_query_is_built_once_per_connection(registry):
    built = []

    def build(name, version):
        built.append((name, version))
        return versions(name, version)

    read = PreparedRead(build, name="text", version="int")
    for model in registry:
        read.rows(name=model.name, version=1)
    assert len(built) == 1
    assert built[0][0] != registry[0].name  # built with markers, not with a caller's value


def test_each_run_is_one_query(registry):
    read = PreparedRead(versions, name="text", version="int")
    read.rows(name="prepared-0", version=1)
    with CaptureQueriesContext(connection) as queries:
        read.rows(name="prepared-1", version=2)
    assert len(queries) == 1


def test_datetime_arguments_are_adapted_like_the_orms(registry):
    read = PreparedRead(created_since, name="text", since="datetime")
    model = Model.objects.get(name="prepared-1")
    before, after = model.created_at - timedelta(seconds=1), model.created_at + timedelta(1)
    assert read.rows(name=model.name, since=before) == list(created_since(model.name, before))
    assert read.rows(name=model.name, since=before) != []
    assert read.rows(name=model.name, since=after) == []


def test_text_that_looks_like_sql_is_a_value(registry):
    read = PreparedRead(versions, name="text", version="int")
    assert read.rows(name="prepared-0' OR '1'='1", version=1) == []
    assert read.rows(name="%s", version=1) == []


def named_from(prefix):
    return Model.objects.filter(name__startswith=prefix).order_by("name").values("name")


def test_a_prefix_is_escaped_for_like_as_the_orm_does(registry):
    read = PreparedRead(named_from, bind_on_server=False, prefix="prefix")
    for prefix in ("prepared-", "prepared-1", "", "prepared_", "prep%", "nothing"):
        assert read.rows(prefix=prefix) == list(named_from(prefix)), prefix
    assert len(read.rows(prefix="prepared-")) == 3
    assert read.rows(prefix="prepared_") == []  # "_" is not LIKE's any-one-character here


def test_a_prefix_read_must_bind_on_the_client():
    with pytest.raises(ValueError, match="bind_on_server=False"):
        PreparedRead(named_from, prefix="prefix")


def test_unknown_kinds_and_unused_arguments_are_refused():
    with pytest.raises(ValueError, match="kinds"):
        PreparedRead(versions, name="text", version="float")
    read = PreparedRead(lambda name, version: versions(name, 1), name="text", version="int")
    with pytest.raises(ValueError, match="version"):
        read.rows(name="x", version=1)


@pytest.mark.postgres
def test_on_postgresql_the_statement_is_prepared_on_the_server(registry):
    read = PreparedRead(versions, name="text", version="int")
    for model in registry:
        assert read.rows(name=model.name, version=2) == list(versions(model.name, 2))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ['%"registry_modelartifact"."version" >= $2%'],
        )
        (runs,) = cursor.fetchone()
    assert runs >= len(registry) - 1  # planned once, run again with the other values
