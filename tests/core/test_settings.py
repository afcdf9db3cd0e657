"""Settings come from the environment; the demo default works with nothing set."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, mlteam.settings as s; print(json.dumps({'engine': s.DATABASES['default']['ENGINE'],"
    " 'name': str(s.DATABASES['default']['NAME']), 'host': s.DATABASES['default'].get('HOST'),"
    " 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'key': s.SECRET_KEY,"
    " 'secure_cookies': getattr(s, 'SESSION_COOKIE_SECURE', False)}))"
)
VARIABLES = ["DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "MLTEAM_VAR_DIR"]


def read_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_defaults_give_a_working_demo_on_sqlite_under_var():
    values = read_settings()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "var" / "mlteam.sqlite3")
    assert values["debug"] is True
    assert "127.0.0.1" in values["hosts"]


def test_environment_selects_postgresql_and_production_settings():
    values = read_settings(
        DATABASE_URL="postgres://ml:secret@db.internal:5432/mlteam",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="mlteam.example.com, api.example.com",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"]) == ("mlteam", "db.internal")
    assert values["debug"] is False
    assert values["hosts"] == ["mlteam.example.com", "api.example.com"]
    assert values["key"] == "k" * 50
    assert values["secure_cookies"] is True


def test_a_fresh_clone_without_var_can_open_its_sqlite_database(tmp_path):
    var = tmp_path / "not-yet-created"
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.db import connection; "
            "connection.ensure_connection()",
        ],
        env={**clean, "MLTEAM_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "mlteam.settings"},
        cwd=ROOT,
        check=True,
    )
    assert (var / "mlteam.sqlite3").exists()
