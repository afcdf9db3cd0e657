"""Logs you can ship: one JSON object per line, and one line per request.

``RequestLogMiddleware`` takes the request id from ``X-Request-ID`` (when it looks like one) or
makes one, returns it in ``X-Request-ID``, and logs ``method``, ``path``, ``status``,
``duration_ms`` and ``user`` on the ``mlteam.request`` logger. Every other line logged while the
request runs (Django's error with its traceback, our warnings) carries the same ``request_id``.
"""

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

from django.utils.functional import empty

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user", "status_code")
request_log = logging.getLogger("mlteam.request")


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being handled (if any)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                data[field] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def signed_in_user(request) -> str | None:
    """The user's name if authentication already ran — never loads a session just to log it."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.get_username() if user.is_authenticated else None
