"""A real worker process (manage.py db_worker) takes the queued work from the database and
delivers it: a promotion request reaches the gate owner's notifications and a signed webhook."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from standardwebhooks.webhooks import Webhook

from mlteam.kernel.enums import Stage
from mlteam.notifications import services
from mlteam.notifications.models import Notification, WebhookDelivery
from mlteam.registry import services as engine
from tests.worlds import build_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_delivers_what_a_request_queued(receiver, settings):
    settings.TASKS = {
        "default": {"BACKEND": "mlteam.kernel.task_backend.DatabaseBackend", "QUEUES": ["default"]}
    }
    world = build_world()
    created = services.webhook_create(
        actor=world.lead, url=receiver.url, events=["promotion.requested"]
    )
    artifact = world.register()
    world.passing_evals(artifact)
    engine.promotion_request(artifact=artifact, to_stage=Stage.STAGING, actor=world.requester)
    assert not Notification.objects.exists()  # queued, not done: nothing runs in the request

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {
        "DATABASE_URL": url,
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DEBUG": "true",
    }
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]

    assert Notification.objects.filter(recipient=world.evaluator).count() == 1
    assert f"To: {world.evaluator.user.email}" in worker.stdout  # the gate owner's email
    assert WebhookDelivery.objects.get().state == "delivered"
    headers, body = receiver.requests[0]
    assert Webhook(created.secret).verify(body, headers)["type"] == "promotion.requested"
