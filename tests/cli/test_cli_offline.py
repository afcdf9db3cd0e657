"""CLI behaviour that needs no server: usage errors (exit 2), an unreachable server (exit 3),
tables, and the installed console script."""

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mlteam.cli.client import Api
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


# -- a server that is not (quite) the mlteam API ---------------------------------------------------
class FakeServer(BaseHTTPRequestHandler):
    """Answers by path: a redirect, an HTML page, broken JSON, an HTML 404, a card."""

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/redirect/"):
            self.send_response(301)
            self.send_header("Location", "https://mlteam.example.com" + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, content_type, body = {
            "/html/": (200, "text/html; charset=utf-8", b"<html><body>Welcome</body></html>"),
            "/broken/": (200, "application/json", b"{not json"),
            "/missing/": (404, "text/html", b"<h1>Not Found</h1>"),
        }[path[: path.index("/", 1) + 1]]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_GET

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "args",
    [
        ["models", "list"],
        ["models", "register", "m"],
        ["card", "export", "m", "1"],
        ["card", "export", "m", "1", "--json"],
    ],
)
def test_a_redirect_exits_3_naming_the_location(fake_server, args):
    result = invoke(*args, env={"MLTEAM_TOKEN": "t", "MLTEAM_URL": fake_server + "/redirect"})
    assert result.exit_code == 3, result.output
    assert "HTTP 301" in result.stderr
    assert "https://mlteam.example.com/redirect/api/v1/" in result.stderr
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


@pytest.mark.parametrize(
    "args",
    [["models", "list"], ["promotions", "show", "1"], ["card", "export", "m", "1"]],
)
def test_an_html_page_exits_3_naming_the_content_type(fake_server, args):
    result = invoke(*args, env={"MLTEAM_TOKEN": "t", "MLTEAM_URL": fake_server + "/html"})
    assert result.exit_code == 3, result.output
    assert "text/html" in result.stderr and "mlteam server" in result.stderr
    assert result.exception.__class__ is SystemExit


def test_broken_json_exits_3(fake_server):
    result = invoke(
        "models", "list", env={"MLTEAM_TOKEN": "t", "MLTEAM_URL": fake_server + "/broken"}
    )
    assert result.exit_code == 3, result.output
    assert "not valid JSON" in result.stderr and result.exception.__class__ is SystemExit


def test_a_refusal_that_is_not_the_apis_json_exits_1_without_the_html(fake_server):
    result = invoke(
        "models", "list", env={"MLTEAM_TOKEN": "t", "MLTEAM_URL": fake_server + "/missing"}
    )
    assert result.exit_code == 1, result.output
    assert "HTTP 404" in result.stderr and "text/html" in result.stderr
    assert "<h1>" not in result.stderr


# -- bad settings and files: usage errors (exit 2) ------------------------------------------------
@pytest.mark.parametrize("token", ["tökén", "mlt_abc def", "mlt_\x01", " "])
def test_a_token_no_server_could_take_is_a_usage_error(token):
    result = invoke(
        "models", "list", env={"MLTEAM_TOKEN": token, "MLTEAM_URL": "http://127.0.0.1:9"}
    )
    assert result.exit_code == 2, result.output
    assert "MLTEAM_TOKEN" in result.stderr and result.exception.__class__ is SystemExit


def test_a_token_with_a_trailing_newline_is_fine():
    result = invoke(
        "models", "list", env={"MLTEAM_TOKEN": "mlt_x\n", "MLTEAM_URL": "http://127.0.0.1:9"}
    )
    assert result.exit_code == 3 and "cannot reach" in result.stderr


@pytest.mark.parametrize("url", ["http://[::1", "ftp://example.com", "127.0.0.1:8000", "http://"])
def test_a_bad_url_is_a_usage_error(url):
    result = invoke("models", "list", env={"MLTEAM_TOKEN": "t", "MLTEAM_URL": url})
    assert result.exit_code == 2, result.output
    assert "MLTEAM_URL" in result.stderr and result.exception.__class__ is SystemExit
    assert invoke("--url", url, "models", "list").exit_code == 2


def test_exporting_into_a_missing_directory_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setattr(Api, "request", lambda *a, **k: httpx.Response(200, text="---\n"))
    target = tmp_path / "nonexistent" / "x.md"
    result = invoke("card", "export", "m", "1", "-o", str(target))
    assert result.exit_code == 2, result.output
    assert f"cannot write {target}" in result.stderr and "No such file" in result.stderr
    assert result.exception.__class__ is SystemExit


def test_importing_a_file_that_is_not_utf8_is_a_usage_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_bytes("# Café\n".encode("latin-1"))
    result = invoke("card", "import", "m", "1", str(readme))
    assert result.exit_code == 2, result.output
    assert "is not UTF-8 text" in result.stderr and "0xe9" in result.stderr
    assert result.exception.__class__ is SystemExit


# -- arguments that look like options, and --json everywhere ---------------------------------------
@pytest.mark.parametrize("value", ["-0.5", "-1e-3", "-12"])
def test_evals_record_takes_a_negative_value(monkeypatch, value):
    sent = {}

    def post(self, path, body=None):
        sent.update(path=path, body=body)
        return {"benchmark": "bench", "value": float(value)}

    monkeypatch.setattr(Api, "post", post)
    result = invoke("evals", "record", "m", "1", "bench", value, "--note", "n")
    assert result.exit_code == 0, result.output
    assert sent == {
        "path": "models/m/versions/1/evals/",
        "body": {"benchmark": "bench", "value": float(value), "note": "n"},
    }
    assert f"bench = {float(value):g}" in result.stdout
    assert invoke("evals", "record", "m", "1", "bench", value, "--nte", "x").exit_code == 2


def test_card_export_json(monkeypatch, tmp_path):
    asked = {}

    def request(self, method, path, *, expect="application/json", **kwargs):
        asked.update(path=path, params=kwargs["params"], expect=expect)
        return httpx.Response(200, json={"model": "m", "version": 1})

    monkeypatch.setattr(Api, "request", request)
    for args in (["card", "export", "m", "1", "--json"], ["--json", "card", "export", "m", "1"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"model": "m", "version": 1}
        assert asked["params"] == {"format": "json"} and asked["expect"] == "application/json"
    target = tmp_path / "card.json"
    assert invoke("card", "export", "m", "1", "--json", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text()) == {"model": "m", "version": 1}
    assert invoke("card", "export", "m", "1", "--json", "--format", "md").exit_code == 2


def test_names_stay_one_path_segment(monkeypatch):
    paths = []
    monkeypatch.setattr(Api, "post", lambda self, path, body=None: paths.append(path) or {})
    invoke("evals", "record", "a/b?c#d", "1", "bench", "1")
    assert paths == ["models/a%2Fb%3Fc%23d/versions/1/evals/"]


@pytest.mark.parametrize(
    ("flag", "params"), [([], None), (["--keep-missing"], {"keep_missing": "true"})]
)
def test_card_import_sends_keep_missing(monkeypatch, tmp_path, flag, params):
    asked = {}

    def request(self, method, path, *, expect="application/json", **kwargs):
        asked.update(method=method, path=path, params=kwargs.get("params"), body=kwargs["content"])
        body = {"changed_sections": ["summary"], "import_notes": [], "missing_sections": []}
        return httpx.Response(200, json=body)

    monkeypatch.setattr(Api, "request", request)
    readme = tmp_path / "README.md"
    readme.write_text("## Summary\n\nx\n", encoding="utf-8")
    result = invoke("card", "import", "m", "1", str(readme), *flag)
    assert result.exit_code == 0, result.output
    assert asked == {
        "method": "PUT",
        "path": "models/m/versions/1/card/",
        "params": params,
        "body": b"## Summary\n\nx\n",
    }
    assert "changed: summary" in result.stdout
