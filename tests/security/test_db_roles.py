"""Least-privilege database roles: ``manage.py db_roles --print-sql`` makes an owner (migrations)
and an app role; connected as the app role, nothing can rewrite or silence the audit trail."""

import os
import secrets
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from mlteam.kernel.audit_chain import audit_seal, audit_verify
from mlteam.kernel.db_roles import drop_roles_sql
from mlteam.registry import services
from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
AUDIT = "registry_auditevent"


def print_sql(*args) -> str:
    out = StringIO()
    call_command("db_roles", "--print-sql", *args, stdout=out)
    return out.getvalue()


def test_the_script_grants_the_app_only_append_and_seal_on_the_audit_trail():
    sql = print_sql("--database", "mlteam", "--owner-role", "own", "--app-role", "app")

    assert 'GRANT CONNECT ON DATABASE "mlteam" TO "own", "app";' in sql
    assert f'REVOKE ALL ON {AUDIT} FROM "app";' in sql
    assert f'GRANT SELECT, INSERT ON {AUDIT} TO "app";' in sql
    assert f'GRANT UPDATE (seal_position, prev_seal, seal) ON {AUDIT} TO "app";' in sql
    assert "NOSUPERUSER" in sql and 'ALTER TABLE %s OWNER TO "own"' in sql


@pytest.mark.parametrize(
    "args, message",
    [
        (["--app-role", 'x"; DROP TABLE y; --'], "not a plain PostgreSQL name"),
        (["--app-role", "same", "--owner-role", "same"], "must be different"),
    ],
)
def test_bad_role_names_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        print_sql("--database", "mlteam", *args)


def test_nothing_happens_without_print_sql():
    with pytest.raises(CommandError, match="pass --print-sql"):
        call_command("db_roles")


def test_the_database_defaults_to_the_configured_one_on_postgresql():
    if connection.vendor == "postgresql":
        assert f'ON DATABASE "{connection.settings_dict["NAME"]}"' in print_sql()
    else:
        with pytest.raises(CommandError, match="pass --database NAME"):
            print_sql()


def _url(user: str, password: str | None = None) -> str:
    d = connection.settings_dict
    secret = f":{password}" if password else ""
    return f"postgres://{user}{secret}@{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{d['NAME']}"


def _psql(sql: str) -> None:
    superuser = connection.settings_dict.get("USER") or "postgres"
    subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "--quiet", _url(superuser)],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def roles(transactional_db):
    """Fresh uniquely named roles, created by the printed script run with psql as the superuser,
    and dropped (their objects handed back) afterwards."""
    if shutil.which("psql") is None:
        pytest.fail("psql is missing (apt-get install postgresql-client)")
    suffix = secrets.token_hex(4)
    owner, app = f"mlteam_owner_{suffix}", f"mlteam_app_{suffix}"
    password = secrets.token_hex(16)
    _psql(print_sql("--owner-role", owner, "--app-role", app))
    _psql(f"ALTER ROLE \"{app}\" PASSWORD '{password}';")
    superuser = connection.settings_dict.get("USER") or "postgres"
    try:
        yield owner, app, _url(app, password)
    finally:
        _psql(drop_roles_sql(owner_role=owner, app_role=app, to_role=superuser))


def refused(app_connection, sql: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refusal:
        app_connection.execute(sql)
    return str(refusal.value)


@pytest.mark.postgres
def test_the_app_role_cannot_rewrite_or_silence_the_audit_trail(roles):
    owner, app, app_url = roles
    member = MemberFactory()
    services.model_create(name="guarded", team=member.team, task="t", actor=member)
    audit_seal()

    with psycopg.connect(app_url, autocommit=True) as app_db:
        assert app_db.execute("SELECT current_user").fetchone()[0] == app
        # What the app does every day works: read and append.
        count = app_db.execute(f"SELECT count(*) FROM {AUDIT}").fetchone()[0]
        assert count >= 1
        app_db.execute(
            f"INSERT INTO {AUDIT} (at, action, from_state, to_state, summary, details)"
            " VALUES (now(), 'config.changed', '', '', 'appended by the app role', '{}')"
        )
        assert app_db.execute(f"SELECT count(*) FROM {AUDIT}").fetchone()[0] == count + 1

        # Everything that would rewrite or hide history is refused by the database.
        assert "permission denied" in refused(app_db, f"UPDATE {AUDIT} SET summary = 'rewritten'")
        assert "append-only" in refused(app_db, f"UPDATE {AUDIT} SET seal = NULL")
        assert "permission denied" in refused(app_db, f"DELETE FROM {AUDIT}")
        assert "permission denied" in refused(app_db, f"TRUNCATE {AUDIT}")
        assert "must be owner" in refused(app_db, f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL")
        assert "must be owner" in refused(app_db, f"ALTER TABLE {AUDIT} DROP COLUMN seal")
        assert "permission denied" in refused(app_db, "SET session_replication_role = replica")
        assert "permission denied" in refused(
            app_db,
            "CREATE OR REPLACE FUNCTION registry_auditevent_append_only() RETURNS trigger"
            " AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
        )
        assert "permission denied" in refused(app_db, "CREATE TABLE shadow (id int)")
        assert "permission denied" in refused(app_db, f'SET ROLE "{owner}"')
        # Other tables are the app's to change as usual.
        app_db.execute("UPDATE registry_model SET description = 'edited' WHERE name = 'guarded'")

    # The app's own sealer runs with these rights alone, and what it sealed verifies.
    sealer = subprocess.run(
        [sys.executable, "manage.py", "audit_seal"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": app_url, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sealer.returncode == 0, sealer.stderr[-2000:]
    assert sealer.stdout.startswith("Sealed 1 event;")
    assert audit_verify().verified == count + 1
