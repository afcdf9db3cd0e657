"""The `mlteam` CLI end to end against a live server: a pipeline's whole lifecycle, and every
refusal exits non-zero with the server's message."""

import json

import pytest
from click.testing import CliRunner

from mlteam.api.services import token_create
from mlteam.cli.main import cli
from mlteam.kernel.enums import Stage
from mlteam.registry.models import ModelArtifact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mlteam(live_server):
    """Run `mlteam ARGS...` as ``user`` against the live server; returns click's Result."""
    runner = CliRunner()
    tokens = {}

    def run(user, *args, token=None):
        if token is None:
            if user.pk not in tokens:
                tokens[user.pk] = token_create(user=user, name="cli tests")[1]
            token = tokens[user.pk]
        env = {"MLTEAM_URL": live_server.url, "MLTEAM_TOKEN": token}
        return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return run


def test_pipeline_lifecycle(world, mlteam):
    member, gate = world.member.user, world.gate_owner.user

    registered = mlteam(member, "models", "register", "intent", "--uri", "s3://models/intent/v2")
    assert registered.exit_code == 0, registered.output
    assert "Registered intent v2 (experimental)" in registered.stdout

    recorded = mlteam(
        member, "evals", "record", "intent", 2, "accuracy", "0.91", "--note", "nightly"
    )
    assert recorded.exit_code == 0 and "accuracy = 0.91" in recorded.stdout

    requested = mlteam(member, "promote", "intent", 2, "--to", "staging", "--json")
    assert requested.exit_code == 0, requested.output
    request = json.loads(requested.stdout)
    assert request["state"] == "pending"
    manual = [c["item"] for c in request["checklist"] if c["kind"] == "manual"]

    inbox = mlteam(gate, "promotions", "list", "--waiting")
    assert (
        inbox.exit_code == 0
        and "intent" in inbox.stdout
        and "experimental → staging" in inbox.stdout
    )
    for item in manual:
        ticked = mlteam(
            gate, "promotions", "check", request["id"], item, "--evidence", "Reviewed v1 vs v2"
        )
        assert ticked.exit_code == 0, ticked.output
    approved = mlteam(gate, "promotions", "approve", request["id"], "--note", "good")
    assert approved.exit_code == 0, approved.output
    assert "Approved" in approved.stdout and "approved" in approved.stdout
    assert ModelArtifact.objects.get(model=world.model, version=2).status == Stage.STAGING

    exported = mlteam(world.reader.user, "card", "export", "intent", 2, "--format", "md")
    assert exported.exit_code == 0
    assert exported.stdout.startswith("---\n") and "value: 0.91" in exported.stdout
    as_json = json.loads(
        mlteam(world.reader.user, "card", "export", "intent", 2, "--format", "json").stdout
    )
    assert as_json["stage"] == "staging" and as_json["eval_results"][0]["value"] == 0.91

    listed = json.loads(mlteam(world.reader.user, "models", "list", "--json").stdout)
    assert [(m["name"], m["latest_version"]) for m in listed] == [("intent", 2)]


def test_card_import_and_roster_ratio(world, mlteam, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "---\nlicense: mit\n---\n# intent\n\n## Summary\n\nRoutes tickets.\n", encoding="utf-8"
    )
    imported = mlteam(world.member.user, "card", "import", "intent", 1, readme)
    assert imported.exit_code == 0, imported.output
    assert "changed:" in imported.stdout and "summary" in imported.stdout
    ratio = mlteam(world.reader.user, "roster", "ratio", "--team", "applied")
    assert ratio.exit_code == 0 and "applied" in ratio.stdout and "(overall)" in ratio.stdout
    members = mlteam(world.reader.user, "members", "list", "--role", "Evaluation Engineer")
    assert "gate" in members.stdout


@pytest.mark.parametrize(
    "who, args, message",
    [
        (
            "member",
            ["promotions", "approve", "{pk}"],
            "needs a sign-off by a holder of 'Evaluation Engineer'",
        ),
        ("member", ["evals", "record", "intent", "1", "accuracy", "nan"], "not a finite number"),
        (
            "member",
            ["evals", "record", "intent", "1", "accuracy", "high"],
            "'high' is text, not a number; send a number",
        ),
        ("member", ["promote", "intent", "1", "--to", "orbit"], "'orbit' is not a stage"),
        ("reader", ["models", "register", "intent"], "Only members of Applied ML"),
        ("gate_owner", ["promotions", "reject", "{pk}", "--reason", " "], "a reason is required"),
        ("member", ["models", "register", "nope"], "There is no model named 'nope'"),
    ],
)
def test_refusals_exit_1_with_the_servers_message(world, mlteam, who, args, message):
    from mlteam.registry import services

    pending = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.colleague
    )
    before = ModelArtifact.objects.count()
    result = mlteam(getattr(world, who).user, *[a.format(pk=pending.pk) for a in args])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stdout == ""
    assert ModelArtifact.objects.count() == before


def test_a_bad_token_exits_1(world, mlteam):
    result = mlteam(None, "models", "list", token="mlt_00000000_wrong")
    assert result.exit_code == 1
    assert "Unknown API token" in result.stderr
