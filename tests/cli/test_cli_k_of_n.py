"""`mlteam promotions approve/show` on a gate that needs two approvals: the output says how
far the gate is ("1 of 2 approvals") and who approved."""

import json

import pytest

from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.registry import configuration, services
from mlteam.registry.models import ModelArtifact
from tests.cli.test_cli_lifecycle import mlteam  # noqa: F401 - the live-server CLI runner
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_approve_and_show_say_how_many_approvals_the_gate_has(world, mlteam):  # noqa: F811
    configuration.protocol_update(
        protocol=world.protocol, actor=world.lead, changes={"required_approvals": 2}
    )
    eval_record(artifact=world.artifact, benchmark=world.benchmark, value=0.9, actor=world.member)
    request = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )
    services.promotion_item_tick(
        item=request.items.get(position=1), actor=world.gate_owner, evidence="https://wiki/r"
    )
    second = MemberFactory(
        user__username="gate2", role=world.gate_owner.role, team=world.gate_owner.team
    )

    first = mlteam(world.gate_owner.user, "promotions", "approve", request.pk)
    assert first.exit_code == 0, first.output
    assert "Added your approval (1 of 2 approvals)" in first.stdout
    assert "1 of 2 approvals: gate (" in first.stdout

    shown = mlteam(world.reader.user, "promotions", "show", request.pk)
    assert shown.exit_code == 0 and "1 of 2 approvals: gate (" in shown.stdout

    again = mlteam(world.gate_owner.user, "promotions", "approve", request.pk)
    assert again.exit_code == 1 and "You already approved" in again.output

    last = mlteam(second.user, "promotions", "approve", request.pk, "--json")
    assert last.exit_code == 0, last.output
    body = json.loads(last.stdout)
    assert body["state"] == "approved"
    assert [a["approver"] for a in body["approvals"]] == ["gate", "gate2"]
    assert ModelArtifact.objects.get(pk=world.artifact.pk).status == Stage.STAGING
