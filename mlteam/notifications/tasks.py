"""Background work on Django's tasks framework (django-tasks, database backend): the fan-out of
committed events, emails and webhook deliveries. Everything is enqueued after commit, so a
rolled-back change sends nothing."""

import logging
from functools import partial

from django.db import transaction
from django_tasks import task

log = logging.getLogger(__name__)


def enqueue_on_commit(task_function, *, run_after=None, **kwargs) -> None:
    """Enqueue ``task_function(**kwargs)`` when the current transaction commits."""
    job = task_function.using(run_after=run_after) if run_after else task_function
    transaction.on_commit(partial(_enqueue, job, kwargs), robust=True)


def _enqueue(job, kwargs) -> None:
    job.enqueue(**kwargs)


def enqueue_dispatch(event_id: int) -> None:
    """The kernel's event hook: called after the commit of every catalogued audit event."""
    try:
        dispatch_event.enqueue(event_id=event_id)
    except Exception:  # the change itself is committed; never fail the request for this
        log.exception("could not enqueue the notifications of audit event %s", event_id)


@task()
def dispatch_event(event_id: int) -> int:
    from mlteam.notifications.services import event_dispatch

    result = event_dispatch(event_id=event_id)
    return len(result.notifications) + len(result.deliveries)


@task()
def send_notification_email(notification_id: int) -> bool:
    from mlteam.notifications.emails import notification_email_send

    return notification_email_send(notification_id=notification_id)


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    from mlteam.notifications.services import delivery_attempt

    result = delivery_attempt(delivery_id=delivery_id)
    return result.state if result else None
