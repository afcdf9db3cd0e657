import http.server
import json
import threading
from dataclasses import dataclass, field

import pytest


@pytest.fixture
def run_tasks(settings):
    """Tasks run in-process at enqueue (after commit), and emails land in mail.outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MLTEAM_BASE_URL = "https://mlteam.example.com"


@dataclass
class Receiver:
    """A real local HTTP server that records every POST and answers with ``status``."""

    url: str
    status: int = 200
    requests: list = field(default_factory=list)

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # it listens on 127.0.0.1
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            state.requests.append((dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if state.status < 300 else b"receiver failed")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
