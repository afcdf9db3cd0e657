"""`mlteam checks` against a live server: the same findings as the API, and --fail-on as a
pipeline gate (exit 1 when a finding at or above the level exists)."""

import json

import pytest
from click.testing import CliRunner
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from mlteam.cli.main import cli
from tests.factories import ProtocolFactory, RoleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run(live_server, user, *args):
    token = token_create(user=user, name="cli checks")[1]
    env = {"MLTEAM_URL": live_server.url, "MLTEAM_TOKEN": token}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_cli_json_equals_the_api_and_fail_on_gates(world, live_server):
    # A gate nobody can sign: a high finding.
    ProtocolFactory(from_stage="staging", to_stage="production",
                    responsible_role=RoleFactory(name="Release Manager"))  # fmt: skip
    api = APIClient()
    api.force_authenticate(world.reader.user)
    body = api.get("/api/v1/checks/").json()
    assert body["counts"]["high"] >= 1 and body["count"] == len(body["findings"])

    listed = run(live_server, world.reader.user, "checks", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == body["findings"]

    gated = run(live_server, world.reader.user, "checks", "--fail-on", "high")
    assert gated.exit_code == 1
    assert "gate_owner_gap" in gated.stdout and "at or above high" in gated.stderr

    only_low = run(
        live_server, world.reader.user, "checks", "--code", "no_target", "--fail-on", "high"
    )
    assert only_low.exit_code == 0, only_low.output

    refused = run(live_server, world.reader.user, "checks", "--team", "nope")
    assert refused.exit_code == 1 and "no team 'nope'" in refused.stderr


def test_api_filters_and_refuses_unknown_values(world):
    api = APIClient()
    api.force_authenticate(world.reader.user)
    every = api.get("/api/v1/checks/").json()["findings"]
    medium = api.get("/api/v1/checks/?severity=medium").json()["findings"]
    assert medium == [f for f in every if f["severity"] in ("high", "medium")]
    for query, code in [("severity=urgent", "unknown_severity"), ("code=nope", "unknown_code")]:
        response = api.get(f"/api/v1/checks/?{query}")
        assert response.status_code == 400 and response.json()["error"] == code
