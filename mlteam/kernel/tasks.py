"""Sealing the audit trail in the background (django-tasks): every transaction that wrote audit
events enqueues one sealing run after it commits, so events are sealed within seconds without
the write itself waiting for the chain."""

import logging

from django.db import transaction
from django_tasks import task

from mlteam.kernel import audit_chain

log = logging.getLogger(__name__)


@task()
def seal_audit_trail() -> int:
    """Idempotent: a run that finds nothing unsealed does nothing."""
    return audit_chain.audit_seal().sealed


def seal_after_commit() -> None:
    """Called by ``audit_record``: one sealing run per transaction, however many events it
    writes; nothing for a transaction that rolls back."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is _enqueue_sealing for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_sealing, robust=True)


def _enqueue_sealing() -> None:
    try:
        seal_audit_trail.enqueue()
    except Exception:  # the change is committed; `manage.py audit_seal` catches up
        log.exception("could not enqueue the sealing of the audit trail")
