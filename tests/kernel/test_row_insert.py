"""``kernel.rows.row_insert`` writes the row ``save()`` would, and the task queue's enqueue the
row django-tasks-db's own backend would."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.kernel.rows import row_insert
from mlteam.notifications.tasks import dispatch_event
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


@pytest.mark.parametrize("run_after", [None, timedelta(minutes=5)])
def test_the_queue_writes_the_row_the_package_backend_writes(run_after, settings):
    when = timezone.now().replace(microsecond=0) + run_after if run_after else None
    job = dispatch_event.using(run_after=when) if when else dispatch_event
    rows = []
    for backend in [
        "mlteam.kernel.task_backend.DatabaseBackend",
        "django_tasks_db.DatabaseBackend",
    ]:
        settings.TASKS = {"default": {"BACKEND": backend, "QUEUES": ["default"]}}
        result = job.enqueue(event_id=41)
        assert result.kwargs == {"event_id": 41} and result.args == []
        rows.append(stored(DBTaskResult.objects.get(pk=result.id)))
    ours, theirs = rows
    assert ours.pop("id") != theirs.pop("id")
    assert theirs.pop("enqueued_at") - ours.pop("enqueued_at") < timedelta(seconds=5)
    assert ours == theirs
    assert ours["run_after"] == (when or get_date_max())
    with transaction.atomic():  # the package's worker claims what we queued
        assert DBTaskResult.objects.ready().count() == (2 if run_after is None else 0)
