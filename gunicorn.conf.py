"""gunicorn settings for `make serve` (read from the environment, like mlteam/settings.py).

HOST, PORT            where to listen (127.0.0.1:8000)
WEB_CONCURRENCY       worker processes (2)
GUNICORN_THREADS      threads per worker (1: sync workers, one persistent DB connection each)
GUNICORN_TIMEOUT      seconds before a stuck worker is restarted (30)
FORWARDED_ALLOW_IPS   proxies gunicorn believes about the client address (127.0.0.1)
GUNICORN_PRELOAD      load the app in the master before forking (false: each worker loads it)
GUNICORN_ACCESS_LOG   gunicorn's own access log file, e.g. "-" (off: mlteam writes one JSON
                      line per request to stdout itself, with request id, user and duration)
"""

import os

import gunicorn.http.wsgi

wsgi_app = "mlteam.wsgi:application"
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Each worker loads the app itself (GUNICORN_PRELOAD=true loads it once in the master): sharing
# the master's copy saved little, since Python's reference counts soon copy the pages a worker
# touches, and the master then held a whole app of its own — 241 MiB RSS summed for 2 workers
# against 198, 178 MiB PSS against 160 (make bench). The settings are still read in the master
# first (on_starting): a broken configuration (say, no SECRET_KEY) stops the server at once with
# its message.
preload_app = os.environ.get("GUNICORN_PRELOAD", "false") == "true"
# Request line and headers are bounded; bodies are bounded by MAX_REQUEST_BYTES in Django.
limit_request_line = 8190
limit_request_fields = 100
# No control socket (gunicorn ≥ 25): its default path is one per user, shared by every server.
control_socket_disable = True
# HTTPS-ness is decided in one place, Django's TRUST_X_FORWARDED_PROTO setting: gunicorn itself
# never turns X-Forwarded-Proto (or X-Forwarded-SSL…) into an https request.
secure_scheme_headers = {}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# No "Server:" header: nothing tells a scanner which server (and version) answers.
_default_headers = gunicorn.http.wsgi.Response.default_headers


def _headers_without_server(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


gunicorn.http.wsgi.Response.default_headers = _headers_without_server


def on_starting(server):
    import importlib

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlteam.settings")
    importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])  # raises with what to set


def post_fork(server, worker):
    if not server.cfg.preload_app:
        return  # each worker loads the app itself
    # preload_app imported Django in the master: connections opened there must not be shared.
    from django.db import connections

    connections.close_all()
