"""A version's model card: read it as JSON or Hugging Face Markdown, edit sections, import a
README.md. Writes go through the cards services, which allow the owning team and ML leads."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from mlteam.api.filters import query_boolean
from mlteam.api.parsers import (
    BoundedJSONParser,
    MarkdownParser,
    PlainTextParser,
    QueryFormatIsOurs,
)
from mlteam.api.renderers import MarkdownRenderer
from mlteam.api.serializers.cards import (
    CardImportResultSerializer,
    CardImportSerializer,
    CardPatchSerializer,
    CardSerializer,
)
from mlteam.api.serializers.common import no_nul
from mlteam.api.views.common import acting_member, version_or_404
from mlteam.api.views.registry import refuse_status
from mlteam.cards.exchange import card_import_markdown, card_to_dict, card_to_markdown
from mlteam.cards.models import ModelCard
from mlteam.cards.services import card_update
from mlteam.kernel.errors import InvalidInput

FORMATS = ["json", "md"]
# The README.md itself is the body (``Content-Type: text/markdown``); generators that cannot send
# a text body use the JSON form ``{"markdown": "..."}``.
MARKDOWN_BODY = {
    "type": "string",
    "description": "A Hugging Face README.md model card: YAML front matter, then sections.",
}
IMPORT_BODY = {
    "text/markdown": MARKDOWN_BODY,
    "text/plain": MARKDOWN_BODY,
    "application/json": CardImportSerializer,
}
KEEP_MISSING = OpenApiParameter(
    "keep_missing",
    OpenApiTypes.BOOL,
    description="`true`: sections the file lacks keep their text. By default an import replaces "
    "the whole card, so sections the file lacks are emptied.",
)


def card_of(name: str, version: int) -> ModelCard:
    artifact = version_or_404(name, version)
    card = ModelCard.objects.filter(artifact=artifact).first()
    if card is None:  # every registered version gets one; only hand-made rows lack it
        raise InvalidInput("no_card", f"{artifact} has no model card.")
    card.artifact = artifact
    return card


def keep_missing_of(request) -> bool:
    return query_boolean(request, "keep_missing")


class CardView(generics.GenericAPIView):
    serializer_class = CardSerializer
    parser_classes = [BoundedJSONParser, MarkdownParser, PlainTextParser]
    # JSON first: ``Accept: */*`` (or none) gets JSON; ``Accept: text/markdown`` gets Markdown.
    renderer_classes = [JSONRenderer, MarkdownRenderer]
    content_negotiation_class = QueryFormatIsOurs

    def get_parsers(self):
        """PATCH edits sections given as a JSON object; only PUT/POST import a README.md."""
        request = getattr(self, "request", None)
        if request is not None and request.method == "PATCH":
            return [BoundedJSONParser()]
        return super().get_parsers()

    def finalize_response(self, request, response, *args, **kwargs):
        """A text body is the Markdown card; everything else (JSON card, errors) is JSON,
        whatever the Accept header asked for."""
        if isinstance(response, Response):
            if isinstance(response.data, str):
                request.accepted_renderer = MarkdownRenderer()
                request.accepted_media_type = "text/markdown"
            else:
                request.accepted_renderer = JSONRenderer()
                request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=FORMATS,
                description="`md`: Hugging Face README.md; `json`. Without it, "
                "`Accept: text/markdown` asks for Markdown, anything else gets JSON.",
            )
        ],
        responses={
            (200, "application/json"): CardSerializer,
            (200, "text/markdown"): OpenApiTypes.STR,
        },
    )
    def get(self, request, name: str, version: int):
        """The card as JSON, or with ``?format=md`` as a Hugging Face README.md."""
        negotiated = getattr(request.accepted_renderer, "format", "json")
        fmt = request.query_params.get("format") or ("md" if negotiated == "md" else "json")
        if fmt not in FORMATS:
            raise InvalidInput("invalid_format", f"'{fmt}' is not a card format; use md or json.")
        card = card_of(name, version)
        if fmt == "md":
            disposition = f'inline; filename="{name}-v{version}-README.md"'
            return Response(card_to_markdown(card), headers={"Content-Disposition": disposition})
        return Response(card_to_dict(card))

    @extend_schema(
        request={"application/json": CardPatchSerializer}, responses={200: CardSerializer}
    )
    def patch(self, request, name: str, version: int):
        """Change some sections (owning team or ML leads); scores are never typed in."""
        refuse_status(request.data, name, version)
        if not isinstance(request.data, dict):
            raise InvalidInput(
                "invalid", 'Send a JSON object of sections, e.g. {"summary": "..."}.'
            )
        data = CardPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unknown = sorted(set(request.data) - set(data.fields))
        if unknown:
            raise InvalidInput("unknown_section", f"Unknown card section(s): {', '.join(unknown)}.")
        card = card_of(name, version)
        card_update(card=card, actor=acting_member(request), changes=dict(data.validated_data))
        return Response(card_to_dict(card_of(name, version)))

    @extend_schema(
        request=IMPORT_BODY, parameters=[KEEP_MISSING], responses={200: CardImportResultSerializer}
    )
    def put(self, request, name: str, version: int):
        """Import a Hugging Face README.md onto the card (bad YAML changes nothing)."""
        data = CardImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = data.validated_data["markdown"]
        no_nul(text)
        imported = card_import_markdown(
            card=card_of(name, version),
            text=text,
            actor=acting_member(request),
            keep_missing=keep_missing_of(request),
        )
        body = card_to_dict(imported.card)
        body["import_notes"] = imported.notes
        body["changed_sections"] = imported.changed
        return Response(body)

    @extend_schema(
        request=IMPORT_BODY, parameters=[KEEP_MISSING], responses={200: CardImportResultSerializer}
    )
    def post(self, request, name: str, version: int):
        """Same as PUT: import a README.md card."""
        return self.put(request, name, version)
