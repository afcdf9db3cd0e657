"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Each operation gets a bounded number of generated requests, made with a token of an owning-team
member so writes are exercised too. Every response must be a non-5xx that conforms to the schema:
status code documented, content type documented, body valid against the documented schema.
Path parameters are drawn half the time from objects that exist, so requests reach past 404.
Runs in both CI passes (SQLite and PostgreSQL); each operation is its own test with a fresh
database state.
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from mlteam.api.services import token_create
from mlteam.registry import services
from tests.factories import ExperimentFactory, RunFactory, result_create

EXAMPLES = int(os.environ.get("MLTEAM_FUZZ_EXAMPLES", "12"))
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
KNOWN: dict = {}  # path parameter values of objects that exist, set per test by ``fuzz_token``


@pytest.fixture
def api_schema(db):
    raw = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )
    # Requests go straight to the WSGI handler, whose end-of-request signal would close the
    # test's database connection (and with it the test transaction); Django's test client
    # disconnects it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.from_dict(raw, app=WSGIHandler())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, point the path at objects that exist (ids depend on the resource)."""
    if not path_parameters or not KNOWN:
        return st.just(path_parameters)
    path = context.operation.path
    known = {**KNOWN["common"], "id": KNOWN["ids"].get(path.split("/")[3])}
    if path.startswith("/api/v1/teams/"):
        known["slug"] = "applied"
    known = {key: value for key, value in known.items() if key in path_parameters and value}
    return st.sampled_from([path_parameters, {**path_parameters, **known}])


@pytest.fixture
def fuzz_token(world):
    """The objects the fuzzed requests can reach, and a token of an owning-team member."""
    result_create(
        artifact=world.artifact,
        benchmark=world.benchmark,
        value=0.9,
        recorded_at=world.artifact.created_at,
    )
    pending = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.colleague
    )
    experiment = ExperimentFactory(team=world.team, owner=world.member)
    run = RunFactory(experiment=experiment, started_by=world.member)
    KNOWN.clear()
    KNOWN["common"] = {"name": "intent", "version": 1, "item": 1, "slug": "accuracy"}
    KNOWN["common"]["username"] = "member"
    KNOWN["ids"] = {
        "promotions": pending.pk,
        "experiments": experiment.pk,
        "runs": run.pk,
        "protocols": world.protocol.pk,
    }
    return token_create(user=world.member.user, name="fuzz")[1]


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_to_its_schema(case, fuzz_token):
    response = case.call_wsgi(headers={"Authorization": f"Bearer {fuzz_token}"})
    case.validate_response(response, checks=CHECKS)
