"""Request bodies that are not JSON: a model card's README.md, sent as it is."""

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser


class MarkdownParser(BaseParser):
    media_type = "text/markdown"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = stream.read().decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError("The Markdown body must be UTF-8 text.") from None
        return {"markdown": text}


class PlainTextParser(MarkdownParser):
    media_type = "text/plain"


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class QueryFormatIsOurs(DefaultContentNegotiation):
    """Leaves ``?format=`` to the view (the card answers md or json), instead of DRF picking a
    renderer by it."""

    settings = _NoFormatOverride
