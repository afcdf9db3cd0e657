"""Answers under faults: the API always in its JSON shape, pages with our own error pages.

``FaultBarrierMiddleware`` (kernel.middleware) and the ``handler400/403/404/500`` below use them.

Nothing here shows a stack trace or a setting. With the database unreachable (an
``OperationalError`` or ``InterfaceError`` escaping a view or a middleware) the answer is 503 with
``Retry-After`` — JSON ``{"error": "service_unavailable", ...}`` under ``/api/``, the 503 page
elsewhere — instead of Django's 500. The 500 and 503 pages are rendered without the request's
context processors, since those may need the database that just failed.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

log = logging.getLogger("mlteam.faults")
RETRY_AFTER_SECONDS = 5
API_PREFIXES = ("/api/",)

MESSAGES = {
    400: ("bad_request", "The request could not be understood; check its syntax and values."),
    403: ("permission_denied", "You may not do this."),
    404: ("not_found", "There is nothing at this address."),
    413: ("payload_too_large", "The request body is too large."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
    503: (
        "service_unavailable",
        "The service cannot reach its database right now; try again in a few seconds.",
    ),
}
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    413: "Request too large",
    500: "Server error",
    503: "Temporarily unavailable",
}

PLAIN_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>{title} · mlteam</title>"
    "<h1>{title} ({status})</h1><p>{detail}</p><p><a href=/>Dashboard</a> · "
    "<a href=/models/>Models</a> · <a href=/promotions/>Promotions</a></p>"
    "<p>Reference: {request_id}</p></html>"
)


def wants_json(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def is_database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def error_response(
    request, status: int, detail: str | None = None, *, with_context=True, code: str | None = None
):
    default_code, default = MESSAGES[status]
    code = code or default_code
    detail = detail or default
    if wants_json(request):
        response = JsonResponse({"error": code, "detail": detail}, status=status)
    else:
        context = {
            "status": status,
            "title": TITLES[status],
            "detail": detail,
            "request_id": getattr(request, "request_id", ""),
        }
        try:
            template = loader.get_template("errors/error.html")
            # 500/503: no request context — its processors may need the database that failed.
            body = template.render(context, request if with_context else None)
        except Exception:  # e.g. static files never collected: still no traceback
            log.exception("the error page could not be rendered")
            body = PLAIN_PAGE.format(**context)
        response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    request_id = getattr(request, "request_id", None)
    if request_id:
        response["X-Request-ID"] = request_id
    return response


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return payload_too_large(request)
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def payload_too_large(request):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        request, 413, f"The request body is larger than the {limit:,} bytes this server accepts."
    )


def server_error(request):
    """handler500: Django calls it while handling the exception, so ``sys.exc_info`` has it."""
    if is_database_down(sys.exc_info()[1]):
        return error_response(request, 503, with_context=False)
    return error_response(request, 500, with_context=False)
