"""Markdown in card sections, rendered for the page and sanitised.

Card text is written by people and imported from other people's README files, so the HTML that
Markdown produces (raw HTML passes straight through it) is cleaned with nh3: only formatting
tags survive, no script or style, no event-handler attributes, and links only to http(s), mailto
or relative addresses — never ``javascript:``.
"""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Headings inside a section sit below the section's own heading (h2) on the page.
HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _shift_heading(match: re.Match) -> str:
    return f"<{match[1]}h{min(int(match[2]) + 2, 6)}"


def markdown_to_html(text: str) -> str:
    """Sanitised HTML of a section's Markdown (a plain string; callers mark it safe)."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    html = HEADING.sub(_shift_heading, html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    return mark_safe(markdown_to_html(text))
