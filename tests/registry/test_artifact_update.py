"""A registered version is immutable but for its description, which changes audited."""

import pytest

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services

pytestmark = pytest.mark.django_db


def test_the_description_changes_with_its_audit_event(world):
    artifact = world.in_production()
    updated = services.artifact_update(
        artifact=artifact, actor=world.requester, changes={"description": "May retrain"}
    )
    assert updated.description == "May retrain"
    event = AuditEvent.objects.get(action=AuditAction.ARTIFACT_UPDATED)
    assert (event.artifact_id, event.model_id) == (artifact.pk, artifact.model_id)
    assert event.details == {"fields": ["description"], "from": "", "to": "May retrain"}


def test_an_unchanged_description_writes_nothing(world):
    artifact = world.register(description="v1")
    services.artifact_update(artifact=artifact, actor=world.owner, changes={"description": "v1"})
    assert not AuditEvent.objects.filter(action=AuditAction.ARTIFACT_UPDATED).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"artifact_uri": "s3://attacker/swapped.bin"}, "version_immutable"),
        ({"owner": 1, "description": "x"}, "version_immutable"),
        ({"source_run": None}, "version_immutable"),
        ({"status": "deprecated"}, "status_read_only"),
    ],
)
def test_everything_else_is_refused_and_nothing_changes(world, changes, code):
    artifact = world.in_production()
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.artifact_update(artifact=artifact, actor=world.lead, changes=changes)
    assert refused.value.code == code
    artifact.refresh_from_db()
    assert (artifact.artifact_uri, artifact.owner_id, artifact.description) == (
        "",
        world.owner.pk,
        "",
    )
    assert AuditEvent.objects.count() == before


def test_only_the_owning_team_or_an_ml_lead_edits_the_description(world):
    artifact = world.register()
    with pytest.raises(NotAllowed) as refused:
        services.artifact_update(
            artifact=artifact, actor=world.outsider, changes={"description": "x"}
        )
    assert refused.value.code == "not_team_member"
    with pytest.raises(NotAllowed):
        services.artifact_update(artifact=artifact, actor=None, changes={"description": "x"})
    services.artifact_update(artifact=artifact, actor=world.lead, changes={"description": "ok"})


def test_a_description_over_the_limit_is_refused(world):
    artifact = world.register(description="v1")
    with pytest.raises(InvalidInput) as refused:
        services.artifact_update(
            artifact=artifact, actor=world.owner, changes={"description": "x" * 10_001}
        )
    assert refused.value.code == "too_long"
    assert "10,000" in refused.value.message
    artifact.refresh_from_db()
    assert artifact.description == "v1"
    assert not AuditEvent.objects.filter(action=AuditAction.ARTIFACT_UPDATED).exists()
