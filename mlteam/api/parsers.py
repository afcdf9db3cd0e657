"""Request bodies that are not JSON: a model card's README.md, sent as it is."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser


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


class BoundedJSONParser(JSONParser):
    """JSON whose nesting is bounded: ``[[[[…]]]]`` 100,000 deep is a 400 ``parse_error``, not a
    500 from Python's recursion limit (or a slow walk through serializers that recurse)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(self.too_deep()) from None
        if nesting_depth(data) > settings.API_MAX_JSON_DEPTH:
            raise exceptions.ParseError(self.too_deep())
        return data

    @staticmethod
    def too_deep() -> str:
        return (
            f"JSON parse error - the body nests more than {settings.API_MAX_JSON_DEPTH} levels "
            "deep; no mlteam request needs that."
        )


def nesting_depth(data) -> int:
    """How deep lists and objects nest (iteratively: no recursion on hostile input)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > settings.API_MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest
