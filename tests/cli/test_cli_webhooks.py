"""`mlteam webhooks …` against a live server: an ML lead subscribes, pauses, lists deliveries
and deletes; anyone else is refused with the server's message and exit code 1."""

import json

import pytest
from click.testing import CliRunner

from mlteam.api.services import token_create
from mlteam.cli.main import cli
from mlteam.notifications.models import WebhookSubscription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mlteam(live_server):
    runner = CliRunner()

    def run(user, *args):
        token = token_create(user=user, name="cli webhooks")[1]
        env = {"MLTEAM_URL": live_server.url, "MLTEAM_TOKEN": token}
        return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return run


def test_an_ml_lead_manages_webhooks_from_the_cli(world, mlteam):
    lead = world.lead.user
    created = mlteam(
        lead, "webhooks", "create", "https://hooks.example.com/ci", "--event", "promotion.approved"
    )
    assert created.exit_code == 0, created.output
    assert "Signing secret (shown only now): whsec_" in created.stdout
    hook = WebhookSubscription.objects.get()

    listed = mlteam(lead, "webhooks", "list", "--json")
    assert [w["url"] for w in json.loads(listed.stdout)] == ["https://hooks.example.com/ci"]
    assert "secret" not in listed.stdout
    paused = mlteam(lead, "webhooks", "disable", hook.pk)
    assert paused.exit_code == 0 and f"Webhook #{hook.pk} is inactive." in paused.stdout
    deliveries = mlteam(lead, "webhooks", "deliveries", hook.pk)
    assert deliveries.exit_code == 0 and "(no deliveries yet)" in deliveries.stdout
    deleted = mlteam(lead, "webhooks", "delete", hook.pk)
    assert deleted.exit_code == 0 and not WebhookSubscription.objects.exists()


def test_others_are_refused_and_bad_input_exits_1(world, mlteam):
    refused = mlteam(world.member.user, "webhooks", "create", "https://hooks.example.com/x")
    assert refused.exit_code == 1 and "Only ML leads manage webhooks" in refused.stderr
    bad = mlteam(world.lead.user, "webhooks", "create", "ftp://hooks.example.com/x")
    assert bad.exit_code == 1 and "invalid_url" in bad.stderr
    assert not WebhookSubscription.objects.exists()
