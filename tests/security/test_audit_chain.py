"""The tamper-evident audit trail: committed events are sealed into a hash chain, and
``audit_verify`` names the first event whose content, seal or place in the chain was tampered
with. Tampering is done as an attacker with database access would: raw SQL (on PostgreSQL as a
superuser who silences the append-only trigger with ``session_replication_role = replica``)."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from mlteam.kernel import audit_chain, tasks
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.audit import audit_record
from mlteam.kernel.audit_chain import audit_seal, audit_verify, canonical_content
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.kernel.tasks import _enqueue_sealing
from mlteam.registry import services
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def record(summary: str, **details) -> AuditEvent:
    return audit_record(
        action=AuditAction.CONFIG_CHANGED, summary=summary, actor=SYSTEM, details=details
    )


def sealed_trail(count: int = 5) -> list[AuditEvent]:
    events = [record(f"event {n}", n=n) for n in range(count)]
    audit_seal()
    return events


def tamper(sql: str, params=()) -> None:
    """Change the table behind the app's back (on PostgreSQL the superuser silences the trigger
    for the statement, as `ALTER TABLE … DISABLE TRIGGER` would)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")


def verify_command(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_sealing_chains_every_committed_event_in_id_order():
    events = sealed_trail(4)

    rows = list(AuditEvent.objects.order_by("id").values("id", "seal_position", "prev_seal"))
    assert [r["seal_position"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["prev_seal"] == audit_chain.GENESIS
    seals = dict(AuditEvent.objects.values_list("id", "seal"))
    assert [r["prev_seal"] for r in rows[1:]] == [seals[e.pk] for e in events[:-1]]
    assert audit_seal().sealed == 0  # nothing left: running again changes nothing


def test_an_untouched_trail_verifies_with_a_summary():
    sealed_trail(3)
    record("not sealed yet")

    code, out, err = verify_command()

    assert code == 0, err
    assert out.startswith("3 events verified, 1 not yet sealed (oldest from ")
    head = audit_chain.chain_head()
    assert f"chain head {head.position}:{head.seal}" in out


def test_a_changed_event_is_named_with_content_changed():
    events = sealed_trail()
    target = events[2]
    tamper("UPDATE registry_auditevent SET summary = %s WHERE id = %s", ["rewritten", target.pk])

    code, _, err = verify_command()

    assert code == 1
    assert f"event #{target.pk} (config.changed, " in err
    assert "chain position 3): content changed" in err
    assert "2 events before it verified" in err


def test_a_changed_detail_is_caught_too():
    events = sealed_trail()
    tamper(
        "UPDATE registry_auditevent SET details = %s WHERE id = %s",
        ['{"n": 99, "actor": "system"}', events[1].pk],
    )

    result = audit_verify()

    assert (result.mismatch.event_id, result.mismatch.reason) == (events[1].pk, "content_changed")


def test_a_deleted_event_in_the_middle_is_reported_as_missing():
    events = sealed_trail()
    tamper("DELETE FROM registry_auditevent WHERE id = %s", [events[2].pk])

    code, _, err = verify_command()

    assert code == 1
    assert f"event #{events[3].pk} (config.changed, " in err
    assert "event missing — no event holds chain position 3" in err
    assert f"between event #{events[1].pk} and this one" in err


def test_a_rewritten_event_with_a_recomputed_seal_breaks_the_chain_after_it():
    events = sealed_trail()
    target = events[1]
    row = AuditEvent.objects.values(*audit_chain.CONTENT_FIELDS, "prev_seal").get(pk=target.pk)
    forged = audit_chain.seal_of(row["prev_seal"], {**row, "summary": "forged"})
    tamper(
        "UPDATE registry_auditevent SET summary = %s, seal = %s WHERE id = %s",
        ["forged", forged, target.pk],
    )

    result = audit_verify()

    assert result.mismatch.event_id == events[2].pk
    assert result.mismatch.reason == "chain_broken"
    assert f"event #{target.pk} no longer carries" in result.mismatch.detail


def test_a_cleared_seal_is_reported():
    events = sealed_trail()
    tamper("UPDATE registry_auditevent SET seal = NULL WHERE id = %s", [events[0].pk])

    result = audit_verify()

    assert (result.mismatch.event_id, result.mismatch.reason) == (events[0].pk, "seal_removed")


def test_a_recorded_head_catches_events_deleted_from_the_end():
    events = sealed_trail()
    recorded = str(audit_chain.chain_head())
    assert verify_command("--expect", recorded)[0] == 0
    tamper("DELETE FROM registry_auditevent WHERE id = %s", [events[-1].pk])

    assert verify_command()[0] == 0  # the chain alone cannot see a shorter end
    code, _, err = verify_command("--expect", recorded)

    assert code == 1
    assert "head mismatch: no event holds chain position 5 any more" in err


def test_a_malformed_expected_head_is_refused():
    with pytest.raises(Exception, match="expected POSITION:SEAL"):
        call_command("audit_verify", "--expect", "5:abc")


def test_an_empty_trail_verifies():
    assert verify_command() == (0, "0 events verified, 0 not yet sealed; the chain is empty.\n", "")


def test_the_seal_command_prints_what_it_sealed_and_the_head():
    record("one")
    record("two")
    out = StringIO()

    call_command("audit_seal", stdout=out)

    head = audit_chain.chain_head()
    assert out.getvalue() == f"Sealed 2 events; chain head {head.position}:{head.seal}.\n"


def test_canonical_content_ignores_key_order_and_uses_utc():
    event = AuditEvent.objects.values(*audit_chain.CONTENT_FIELDS).get(pk=record("x").pk)
    reordered = {**event, "details": dict(reversed(list(event["details"].items())))}
    assert canonical_content(reordered) == canonical_content(event)
    nested = {**event, "details": {"b": {"y": 1, "x": [2, 1]}, "a": 0.1}}
    assert '"details":{"a":0.1,"b":{"x":[2,1],"y":1}}' in canonical_content(nested)
    assert '"at":"' + event["at"].strftime("%Y-%m-%dT%H:%M:%S.%f") + 'Z"' in canonical_content(
        event
    )


def test_details_of_every_kind_seal_and_verify_as_stored():
    record("ünïcode ✓", ratio=0.1, big=10**15, nested={"z": [1, 2.5, "é"], "a": None}, ok=True)
    audit_seal()
    assert audit_verify().verified == 1


def test_one_sealing_run_is_enqueued_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            record(f"in one transaction {n}")

    assert [c for c in callbacks if c is _enqueue_sealing] == [_enqueue_sealing]


def test_a_service_write_is_sealed_after_commit_by_the_task(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.model_create(name="sealed-soon", team=member.team, task="t", actor=member)

    assert not AuditEvent.objects.filter(seal__isnull=True).exists()
    assert audit_verify().ok


def test_a_busy_process_queues_one_deferred_run_a_second(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "mlteam.kernel.task_backend.DatabaseBackend", "QUEUES": ["default"]}
    }
    monkeypatch.setitem(tasks._queued, "until", None)
    start = datetime(2026, 12, 1, 12, tzinfo=UTC)
    queued = DBTaskResult.objects.filter(task_path__endswith="seal_audit_trail")

    def commit_at(milliseconds):
        monkeypatch.setattr(tasks, "_now", lambda: start + timedelta(milliseconds=milliseconds))
        _enqueue_sealing()

    commit_at(0)
    commit_at(300)  # covered: the queued run starts at 1 s, after this commit
    commit_at(700)
    assert list(queued.values_list("run_after", flat=True)) == [start + timedelta(seconds=1)]
    commit_at(900)  # too close to the queued run's start: queue the next one
    commit_at(1500)
    assert queued.count() == 2
    assert queued.order_by("run_after").last().run_after == start + timedelta(milliseconds=1900)


def test_a_rolled_back_write_enqueues_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record("rolled back")
        raise RuntimeError

    assert _enqueue_sealing not in callbacks


@pytest.mark.postgres
def test_the_trigger_allows_sealing_once_and_nothing_else():
    event = record("guarded")
    with connection.cursor() as cursor:

        def refused(sql, params):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, params)

        # Sealing while changing content, or setting only part of the seal, is refused.
        refused(
            "UPDATE registry_auditevent SET seal = 'a', prev_seal = 'b', seal_position = 1,"
            " summary = 'x' WHERE id = %s",
            [event.pk],
        )
        refused("UPDATE registry_auditevent SET seal = 'a' WHERE id = %s", [event.pk])
        audit_seal()
        # Once sealed, the seal never changes (nor can it be cleared to seal again).
        refused("UPDATE registry_auditevent SET seal = NULL WHERE id = %s", [event.pk])
        refused("UPDATE registry_auditevent SET seal = 'c' WHERE id = %s", [event.pk])
    assert audit_verify().verified == 1


def _in_thread(work) -> threading.Thread:
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_with_a_lower_id_is_sealed_by_the_next_run():
    inserted, release = threading.Event(), threading.Event()
    late_ids = []

    def slow_writer():
        with transaction.atomic():
            late_ids.append(record("late").pk)
            inserted.set()
            release.wait(30)

    writer = _in_thread(slow_writer)
    assert inserted.wait(30)
    early = record("early")  # a higher id, committed first
    assert audit_seal().sealed == 1  # the uncommitted one is not visible, so not skipped either
    release.set()
    writer.join(30)

    assert audit_seal().sealed == 1
    positions = dict(AuditEvent.objects.values_list("id", "seal_position"))
    assert late_ids[0] < early.pk and positions == {early.pk: 1, late_ids[0]: 2}
    assert audit_verify().verified == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writes_do_not_wait_for_a_sealer_in_progress(monkeypatch):
    record("before")
    sealing, release = threading.Event(), threading.Event()
    seal_batch = audit_chain._seal_batch

    def paused_seal_batch(head, batch):
        sealing.set()
        release.wait(30)
        return seal_batch(head, batch)

    monkeypatch.setattr(audit_chain, "_seal_batch", paused_seal_batch)
    sealer = _in_thread(audit_seal)
    assert sealing.wait(30)
    try:
        with connection.cursor() as cursor:
            # Fail instead of hanging if the write had to wait for the sealer's lock.
            cursor.execute("SET lock_timeout = '5s'")
        member = MemberFactory()
        services.model_create(name="written-meanwhile", team=member.team, task="t", actor=member)
    finally:
        release.set()
        sealer.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    monkeypatch.setattr(audit_chain, "_seal_batch", seal_batch)
    audit_seal()
    assert audit_verify().ok
    assert not AuditEvent.objects.filter(seal__isnull=True).exists()
