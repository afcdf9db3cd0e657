"""The backup and restore runbook of the README, run for real: pg_dump the test database,
pg_restore it into a new database, and compare every table's row count and the audit trail event
by event; the restored append-only trigger still refuses changes and the restored hash chain
verifies (``manage.py audit_verify`` on the copy). SQLite's ``.backup`` likewise."""

import os
import shutil
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.audit import audit_record
from mlteam.kernel.audit_chain import audit_seal
from mlteam.kernel.enums import AuditAction
from mlteam.registry import services
from tests.conftest import IN_CI
from tests.factories import MemberFactory

from .conftest import ROOT, database_url_of

AUDIT = "registry_auditevent"


def some_history():
    member = MemberFactory()
    model = services.model_create(name="backed-up", team=member.team, task="t", actor=member)
    for _ in range(3):
        services.artifact_register(model=model, actor=member)
    # Details whose JSON a dump could re-spell: key order, floats, big numbers, non-ASCII, null.
    audit_record(
        action=AuditAction.CONFIG_CHANGED,
        summary="ünïcode ✓",
        actor=SYSTEM,
        details={"z": 0.1, "a": {"y": [1, 2.5, "é"], "x": None}, "big": 10**15, "ok": True},
    )
    audit_seal()


def table_counts(conn) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def audit_trail(conn) -> list[tuple]:
    return conn.execute(
        f"SELECT id, at, action, summary, actor_id, artifact_id, seal_position, seal FROM {AUDIT}"
        " ORDER BY id"
    ).fetchall()


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_give_back_every_row_and_the_audit_trail(transactional_db, tmp_path):
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (apt-get install postgresql-client)")
    some_history()
    source_url = database_url_of(connection)
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored_url = source_url.rsplit("/", 1)[0] + f"/{restored_name}"
    admin_url = source_url.rsplit("/", 1)[0] + "/postgres"
    dump = tmp_path / "mlteam.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source_url], check=True
    )
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)],
            check=True,
        )
        with psycopg.connect(source_url) as source, psycopg.connect(restored_url) as restored:
            counts = table_counts(source)
            assert counts[AUDIT] >= 4 and counts["registry_modelartifact"] == 3
            assert table_counts(restored) == counts
            assert audit_trail(restored) == audit_trail(source)
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                restored.execute(f"DELETE FROM {AUDIT}")
        verify = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": restored_url, "DEBUG": "true"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verify.returncode == 0, verify.stderr
        assert verify.stdout.startswith(f"{counts[AUDIT]} events verified, 0 not yet sealed")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')


def test_sqlite_backup_copies_every_row(tmp_path):
    if shutil.which("sqlite3") is None:
        if IN_CI:
            pytest.fail("the sqlite3 command line is missing (apt-get install sqlite3)")
        pytest.skip("needs the sqlite3 command line (apt-get install sqlite3)")
    live = tmp_path / "mlteam.sqlite3"
    with sqlite3.connect(live) as db:
        db.execute("CREATE TABLE registry_auditevent (id INTEGER PRIMARY KEY, summary TEXT)")
        db.executemany(
            "INSERT INTO registry_auditevent (summary) VALUES (?)", [(f"e{i}",) for i in range(50)]
        )
    backup = tmp_path / "backup.sqlite3"
    subprocess.run(["sqlite3", str(live), f".backup '{backup}'"], check=True)
    with sqlite3.connect(backup) as db:
        rows = db.execute("SELECT id, summary FROM registry_auditevent ORDER BY id").fetchall()
    assert rows == [(i + 1, f"e{i}") for i in range(50)]
