"""OpenAPI generation: every operation documents the error shape for the statuses it can answer."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Bad input: `invalid` (with per-field messages) or a domain code like `unknown_stage`.",
    "401": "No or unusable credentials (`not_authenticated`).",
    "403": "Not allowed (e.g. `wrong_role`, `own_request`, `not_team_member`, `csrf_failed`).",
    "404": "No such object (`not_found`).",
    "409": "The current state does not allow it (`already_decided`, `pending_request_exists`...).",
    "415": "The request body is not in a supported media type (`unsupported_media_type`).",
}
READ_ERRORS = ["400", "401", "403", "404"]
WRITE_ERRORS = [*READ_ERRORS, "409", "415"]


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for code in codes:
            if code not in responses:
                response = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
