"""Cross-cutting request handling: the request id and log line, the fault barrier, login
everywhere, HTMX-aware redirects, the CSP, Permissions-Policy and Cache-Control headers."""

import time
import uuid
from urllib.parse import parse_qsl, unquote

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from mlteam.kernel.faults import error_response, is_database_down, log, payload_too_large
from mlteam.kernel.logs import REQUEST_ID, VALID_ID, request_log, signed_in_user


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except views marked ``@login_not_required``.

    REST framework views authenticate themselves (tokens as well as sessions) and answer 401
    in JSON, so they are left to DRF instead of being redirected to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        from rest_framework.views import APIView

        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class HtmxLoginRedirectMiddleware:
    """An expired session during an HTMX request sends the whole page to login.

    Without this, htmx would follow the 302 and swap the login page into a fragment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_path = str(settings.LOGIN_URL)
        location = response.get("Location", "")
        is_login_redirect = response.status_code == 302 and (
            location.startswith("/accounts/login") or location.startswith(login_path)
        )
        if getattr(request, "htmx", False) and is_login_redirect:
            return HttpResponseClientRedirect(location)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends the strict policy of settings.CONTENT_SECURITY_POLICY with every HTML response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


PRIVATE_NO_STORE = "private, no-store"


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` (settings.PERMISSIONS_POLICY) on every response, and
    ``Cache-Control: private, no-store`` on every API response and every response to a signed-in
    person, so no browser or proxy cache keeps what someone was shown (a fresh token, the
    roster, a model card) for the next person on the machine.

    Anonymous pages (login, health, error pages) keep their own headers, and so do static files
    (WhiteNoise answers those with long-lived cache headers; they hold nothing personal).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        if self._is_private(request):
            response["Cache-Control"] = PRIVATE_NO_STORE
        return response

    @staticmethod
    def _is_private(request) -> bool:
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return False
        if request.path.startswith("/api/"):
            return True
        # Only a user someone already looked up (every page that needs a login does): this
        # must not load the session itself, or /health/ would touch the database.
        user = getattr(request, "_cached_user", None)
        return bool(user is not None and user.is_authenticated)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Left set after the response: Django logs a failed request's error after every
        # middleware returned, and that line must carry the id too (the next request resets it).
        REQUEST_ID.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user": signed_in_user(request),
            },
        )
        return response


def nul_refusal(request) -> str | None:
    """What names the NUL character in the request's path or query string, or None."""
    if "\x00" in request.path:
        return "path: the address contains a NUL character, which no address has."
    query = request.META.get("QUERY_STRING", "")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\0")[:60] or "(unnamed)"
            return f"{shown}: the query parameter contains a NUL character; remove it."
    if "\x00" in unquote(query):  # e.g. in a part parse_qsl could not read
        return "query: the query string contains a NUL character; remove it."
    return None


class FaultBarrierMiddleware:
    """First in line: refuses what no view should see, turns a lost database into 503.

    - a body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``MAX_REQUEST_BYTES``): 413
      before anything reads it;
    - a NUL character in the path or in a query parameter (no URL has one; PostgreSQL cannot
      compare it): 400 naming the parameter (or the path);
    - ``OperationalError``/``InterfaceError`` from any layer below: 503 with ``Retry-After``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            too_big = int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        except ValueError:
            return error_response(request, 400, "Content-Length is not a number.")
        if too_big:
            return payload_too_large(request)
        refusal = nul_refusal(request)
        if refusal is not None:
            return error_response(request, 400, refusal, code="invalid")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_down(exception):
            log.error("database unavailable: %s", exception)
            return error_response(request, 503, with_context=False)
        return None
