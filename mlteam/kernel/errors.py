"""Domain errors: a stable code, a message a person can act on, and the kind of refusal.

Every interface maps ``kind`` to its own form: a form error, an HTTP status with the JSON body
``{"error": code, "detail": message}``, or a CLI exit code.
"""

from typing import ClassVar


class DomainError(Exception):
    kind: ClassVar[str] = "invalid"
    http_status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, **context):
        super().__init__(message)
        self.code = code
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """The request itself is wrong (unknown stage, NaN score, blank reason): fix the input."""

    kind = "invalid"
    http_status = 400


class NotAllowed(DomainError):
    """The actor may not do this (wrong role, own request, not on the owning team)."""

    kind = "forbidden"
    http_status = 403


class NotFound(DomainError):
    kind = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The world is not in a state that allows it (already decided, a pending request exists)."""

    kind = "conflict"
    http_status = 409
