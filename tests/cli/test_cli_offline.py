"""CLI behaviour that needs no server: usage errors (exit 2), an unreachable server (exit 3),
tables, and the installed console script."""

import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mlteam.cli.main import cli
from mlteam.cli.output import table


def invoke(*args, env=None):
    return CliRunner().invoke(
        cli, list(args), env=env or {"MLTEAM_TOKEN": "t", "MLTEAM_URL": "http://127.0.0.1:9"}
    )


def test_missing_token_is_a_usage_error():
    result = invoke("models", "list", env={"MLTEAM_TOKEN": ""})
    assert result.exit_code == 2 and "MLTEAM_TOKEN" in result.output


def test_bad_arguments_are_usage_errors():
    assert invoke("card", "export", "m", "1", "--format", "pdf").exit_code == 2
    assert invoke("evals", "record", "m", "one", "bench", "0.5").exit_code == 2
    assert invoke("promote", "m", "1").exit_code == 2  # --to is required
    assert invoke("promotions", "reject", "5").exit_code == 2  # --reason is required
    assert invoke("promotions", "list", "--mine", "--waiting").exit_code == 2


def test_an_unreachable_server_exits_3():
    result = invoke("models", "list")
    assert result.exit_code == 3 and "cannot reach" in result.stderr


def test_tables_align_and_show_missing_values():
    import click
    from click.testing import CliRunner as Runner

    @click.command()
    def show():
        table([{"a": "x", "b": None}, {"a": "longer", "b": 0.12345}], [("a", "a"), ("b", "b")])

    lines = Runner().invoke(show).output.splitlines()
    assert lines == ["A       B", "x       -", "longer  0.1235"]


def test_console_script_is_installed():
    script = shutil.which("mlteam") or str(Path(sys.executable).with_name("mlteam"))
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("models", "evals", "promote", "promotions", "card", "roster"):
        assert command in result.stdout
