"""Every API error has the same JSON shape: ``{"error": "<stable code>", "detail": "<message>"}``.

Domain errors keep the engine's code and status; DRF's own errors get stable codes too, so a
pipeline can branch on ``error`` and show ``detail`` to a person.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from mlteam.kernel.errors import DomainError

CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = serializers.CharField(help_text="Stable machine-readable code, e.g. `wrong_role`.")
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(
        required=False, help_text="For `invalid`: the messages per input field."
    )


def flatten(detail, path: str = "") -> list[str]:
    """``{"value": ["Required."]}`` → ``["value: Required."]`` (nested paths joined by dots)."""
    if isinstance(detail, dict):
        messages = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            messages += flatten(value, f"{path}.{name}" if path and name else (name or path))
        return messages
    if isinstance(detail, list):
        messages = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            messages += flatten(value, f"{path}[{index}]" if nested else path)
        return messages
    return [f"{path}: {detail}" if path else str(detail)]


def error_body(code: str, detail: str, **extra) -> dict:
    return {"error": code, "detail": detail, **extra}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(_validation_code(exc), " ".join(flatten(detail)), fields=detail)
    else:
        body = error_body(_code(exc), str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def _codes(codes) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _codes(value)]
    if isinstance(codes, list):
        return [code for value in codes for code in _codes(value)]
    return [str(codes)]


def _validation_code(exc: exceptions.ValidationError) -> str:
    """``too_long`` when a serializer's own length check refused the input (the services' code
    for the same rule), else ``invalid``."""
    codes = _codes(exc.get_codes())
    return "too_long" if codes and all(code == "max_length" for code in codes) else "invalid"


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.PermissionDenied):
        return "csrf_failed" if str(exc.detail).startswith("CSRF Failed") else "permission_denied"
    for cls, code in CODES.items():
        if isinstance(exc, cls):
            return code
    return exc.default_code
