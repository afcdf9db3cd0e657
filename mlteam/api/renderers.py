"""Response bodies that are not JSON: a model card as a Hugging Face README.md."""

from rest_framework.renderers import BaseRenderer, JSONRenderer


class MarkdownRenderer(BaseRenderer):
    """Writes a text body as it is (``text/markdown; charset=utf-8``).

    A view that offers it answers Markdown only with a ``str`` body; anything else (an error, a
    JSON document) is rendered as JSON by the view (see ``CardView.finalize_response``), so the
    fallback below only keeps a misuse from failing.
    """

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, str):
            return data.encode(self.charset)
        return JSONRenderer().render(data, "application/json", renderer_context)
