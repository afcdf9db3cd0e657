"""OpenAPI generation: every operation documents the error shape for the statuses it can answer."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from mlteam.api.errors import ErrorSerializer
from mlteam.api.operations import OPERATIONS, TAG_DESCRIPTIONS, tag_for
from mlteam.api.pagination import ORDERING_PARAM, ordering_choices
from mlteam.api.renderers import MarkdownRenderer

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
    def get_tags(self):
        return [tag_for(self.path)]

    def get_summary(self):
        return super().get_summary() or OPERATIONS.get(self.get_operation_id(), ("", ""))[0] or None

    def get_description(self):
        return super().get_description() or OPERATIONS.get(self.get_operation_id(), ("", ""))[1]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for code in codes:
            if code not in responses:
                response = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _get_filter_parameters(self):
        """``?ordering=`` lists the orderings the view offers (anything else is a 400)."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("name") == ORDERING_PARAM:
                choices = ordering_choices(self.view)
                default = getattr(self.view, "ordering", None)
                parameter["schema"] = {"type": "string", "enum": choices}
                if isinstance(default, str):
                    parameter["schema"]["default"] = default
                parameter["description"] = (
                    "Order by this field (`-field`: descending); ties are broken by id. "
                    "Any other value is refused with `invalid`."
                )
        return parameters

    def map_renderers(self, attribute):
        """Markdown is only ever an explicitly documented response (a card with
        ``?format=md``); everything else, errors included, is JSON."""
        media_types = super().map_renderers(attribute)
        markdown = getattr(MarkdownRenderer, attribute)
        return [m for m in media_types if m != markdown] or media_types


def describe_tags(result, generator, request, public):
    """A description for every tag the operations use, in the order resources are listed."""
    used = {
        tag
        for ops in result.get("paths", {}).values()
        for op in ops.values()
        for tag in op.get("tags", [])
    }
    result["tags"] = [
        {"name": name, "description": text}
        for name, text in TAG_DESCRIPTIONS.items()
        if name in used
    ]
    return result
