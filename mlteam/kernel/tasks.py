"""Sealing the audit trail in the background (django-tasks): a transaction that wrote audit
events asks for a sealing run after it commits, so events are sealed within seconds without the
write itself waiting for the chain.

A busy server commits many transactions a second; one queued run covers them all. With a queue
that can defer (the database backend), each process queues a run one second ahead and queues
no other until that run is due: every commit before then is sealed by it. That keeps the queue and
the workers' load at a run a second per process whatever the write rate. A backend that runs
tasks at once (``immediate``) seals after every commit.
"""

import logging
import threading
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mlteam.kernel import audit_chain

log = logging.getLogger(__name__)

SEAL_DELAY = timedelta(seconds=1)
# A commit this close to the queued run's start might race the worker: queue another.
_MARGIN = timedelta(milliseconds=200)
_queued = {"until": None}
_queued_lock = threading.Lock()


@task()
def seal_audit_trail() -> int:
    """Idempotent: a run that finds nothing unsealed does nothing."""
    return audit_chain.audit_seal().sealed


def seal_after_commit() -> None:
    """Called by ``audit_record``: at most one request per transaction, however many events it
    writes; nothing for a transaction that rolls back."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is _enqueue_sealing for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_sealing, robust=True)


def _enqueue_sealing() -> None:
    try:
        if not seal_audit_trail.get_backend().supports_defer:
            seal_audit_trail.enqueue()
            return
        run_after = _claim_next_run()
        if run_after is None:
            return  # the run already queued starts after this commit
        try:
            seal_audit_trail.using(run_after=run_after).enqueue()
        except Exception:
            _queued["until"] = None  # let the next commit try again
            raise
    except Exception:  # the change is committed; `manage.py audit_seal` catches up
        log.exception("could not enqueue the sealing of the audit trail")


def _claim_next_run():
    now = _now()
    with _queued_lock:
        until = _queued["until"]
        if until is not None and now < until - _MARGIN:
            return None
        _queued["until"] = now + SEAL_DELAY
        return _queued["until"]


def _now():
    return timezone.now()
