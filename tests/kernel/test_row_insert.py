"""``kernel.rows.row_insert`` writes the row ``save()`` would."""

import pytest
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.kernel.rows import row_insert
from mlteam.roster.enums import TeamKind
from mlteam.roster.models import Team

pytestmark = pytest.mark.django_db


def columns(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def stored(instance) -> dict:
    return columns(type(instance).objects.get(pk=instance.pk))


def test_an_audit_event_is_the_row_save_writes():
    team = Team.objects.create(name="Search", slug="search", kind=TeamKind.ML)
    at = timezone.now()
    event = audit_record(
        action=AuditAction.MODEL_UPDATED,
        summary="x" * 400,  # cut to the column's 300
        actor=SYSTEM,
        at=at,
        details={"fields": ["task"], "nested": {"a": [1, 2.5, None]}},
        team=team,
    )
    saved = AuditEvent(
        at=at,
        action=AuditAction.MODEL_UPDATED,
        summary="x" * 300,
        details={"fields": ["task"], "nested": {"a": [1, 2.5, None]}, "actor": "system"},
        team=team,
    )
    saved.save()
    assert event.pk is not None and not event._state.adding
    written, expected = stored(event), stored(saved)
    assert written.pop("id") != expected.pop("id")
    assert written == expected
    assert columns(event) | {"id": None} == expected | {"id": None}


def test_row_insert_sends_the_save_signals():
    heard = []
    pre_save.connect(
        lambda sender, **kw: heard.append(("pre", kw["instance"].pk)),
        AuditEvent,
        weak=False,
        dispatch_uid="t-pre",
    )
    post_save.connect(
        lambda sender, **kw: heard.append(("post", kw["created"])),
        AuditEvent,
        weak=False,
        dispatch_uid="t-post",
    )
    try:
        event = row_insert(
            AuditEvent(at=timezone.now(), action=AuditAction.MODEL_UPDATED, summary="s")
        )
    finally:
        pre_save.disconnect(dispatch_uid="t-pre", sender=AuditEvent)
        post_save.disconnect(dispatch_uid="t-post", sender=AuditEvent)
    assert heard == [("pre", None), ("post", True)]
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_row_insert_refuses_an_unsaved_related_object():
    with pytest.raises(ValueError, match="unsaved related object"):
        row_insert(AuditEvent(at=timezone.now(), action="x", summary="s", team=Team(name="t")))
