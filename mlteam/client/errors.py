"""What the client raises: one base class, split by who is at fault.

``ApiError`` (and its subclasses per status) is the server refusing: it carries the API's stable
``code`` (branch on it), its ``detail`` (show it to a person) and the HTTP ``status``.
``ServerError`` is the server being unreachable, failing, or not the mlteam API at all.
``ConfigurationError`` is a bad ``url`` or ``token`` given to the client.
"""


class MLteamError(Exception):
    """Base class of everything the client raises."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigurationError(MLteamError, ValueError):
    """The client was given something no request can be built from (a URL, a token, a path)."""


class ServerError(MLteamError):
    """Unreachable, a 5xx, a redirect, or an answer that is not the mlteam API's."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ApiError(MLteamError):
    """The server refused: ``{"error": code, "detail": detail}`` with a 4xx status."""

    def __init__(self, status: int, code: str, detail: str, fields: dict | None = None):
        super().__init__(f"{detail} ({code}, HTTP {status})")
        self.status, self.code, self.detail = status, code, detail
        self.fields = fields or {}


class BadRequest(ApiError):
    """400: bad input (``invalid`` with per-field messages, or a domain code)."""


class Unauthorized(ApiError):
    """401: no token, or an unknown or revoked one."""


class Forbidden(ApiError):
    """403: not allowed (``wrong_role``, ``own_request``, ``not_team_member`` …)."""


class NotFound(ApiError):
    """404: no such model, version, request …"""


class Conflict(ApiError):
    """409: the current state does not allow it (``already_decided`` …)."""


BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict}


def api_error(status: int, code: str, detail: str, fields: dict | None = None) -> ApiError:
    return BY_STATUS.get(status, ApiError)(status, code, detail, fields)
