"""AuditEvent moved from the registry app to the kernel: a database made by the layout before
the move (registry 0005, no kernel app) migrates with every audit row, its content type (so
group permissions) and, on PostgreSQL, the append-only trigger intact."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MOVE = [("kernel", None), ("registry", "0005_audit_config_actions")]


def _migrate(targets):
    """Migrate to ``targets`` (``(app, None)``: unapply the app) and return the models as they
    are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    nodes = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_database():
    """Rows as the registry-owned AuditEvent wrote them, and its content type with a group
    permission on it, as ``migrate`` left them before the move."""
    old = _migrate(BEFORE_MOVE)
    # Content types, permissions and users are not touched by these migrations: today's models.
    ContentType.objects.filter(app_label="kernel").delete()
    registry_type = ContentType.objects.create(app_label="registry", model="auditevent")
    view = Permission.objects.create(
        content_type=registry_type, codename="view_auditevent", name="Can view audit event"
    )
    Group.objects.create(name="Auditors").permissions.add(view)
    user = User.objects.create(username="lead")
    team = old.get_model("roster", "Team").objects.create(
        name="Applied ML", slug="applied", kind="ml"
    )
    events = old.get_model("registry", "AuditEvent")
    for n in range(3):
        events.objects.create(
            at=datetime(2026, 1, n + 1, tzinfo=UTC),
            actor_id=user.pk,
            action="roster.target_set",
            summary=f"event {n}",
            details={"n": n, "band": [0.3, 0.5]},
            team=team,
        )
    return registry_type.pk, {e.pk: (e.summary, e.details) for e in events.objects.all()}


def test_audit_rows_content_type_and_permissions_survive_the_move():
    content_type_id, before = _old_database()

    new = _migrate(_latest())

    events = new.get_model("kernel", "AuditEvent")
    assert {e.pk: (e.summary, e.details) for e in events.objects.all()} == before
    assert all(
        e.team.slug == "applied" and e.actor.username == "lead" for e in events.objects.all()
    )
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=content_type_id)
    assert (moved.app_label, moved.model) == ("kernel", "auditevent")
    auditors = new.get_model("auth", "Group").objects.get(name="Auditors")
    assert list(auditors.permissions.values_list("content_type__app_label", "codename")) == [
        ("kernel", "view_auditevent")
    ]


@pytest.mark.postgres
def test_the_append_only_trigger_still_guards_the_moved_table():
    _, before = _old_database()
    _migrate(_latest())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL mlteam.allow_audit_truncate = 'off'")
        cursor.execute("UPDATE registry_auditevent SET summary = 'rewritten'")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_auditevent")
        assert cursor.fetchone()[0] == len(before)
