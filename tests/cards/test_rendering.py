"""Card Markdown is rendered, and sanitised: no script, no event handlers, no javascript: links."""

from html.parser import HTMLParser

import pytest

from mlteam.cards.rendering import markdown_to_html
from mlteam.cards.services import card_update

ATTACKS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=\"alert('x')\">",
    "[click](javascript:alert('x'))",
    "[click](JaVaScRiPt:alert('x'))",
    "<a href=\"jav&#x09;ascript:alert('x')\">click</a>",
    "<a href='javascript:alert(1)'>click</a>",
    "<svg onload=alert('x')><circle r=1 /></svg>",
    "<iframe src='https://evil.example.com'></iframe>",
    "<div style=\"background:url(javascript:alert('x'))\" onclick='alert(1)'>hi</div>",
    "<form action='https://evil.example.com'><input name=q></form>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<p onmouseover=alert(1)>hover</p>",
]


class Scanner(HTMLParser):
    """Collects what a browser would execute: script-ish tags, on* attributes, script URLs."""

    DANGEROUS_TAGS = {"script", "iframe", "svg", "form", "object", "embed", "style", "input"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in self.DANGEROUS_TAGS:
            self.found.append(tag)
        for name, value in attrs:
            url = (value or "").replace("\t", "").replace(" ", "").lower()
            if name.startswith("on") or name == "style" or url.startswith(("javascript:", "data:")):
                self.found.append(f"{tag}[{name}={value}]")


def unsafe(html: str) -> list[str]:
    scanner = Scanner()
    scanner.feed(html)
    return scanner.found


@pytest.mark.parametrize("attack", ATTACKS)
def test_dangerous_markup_is_removed(attack):
    html = markdown_to_html(f"Before.\n\n{attack}\n\nAfter.").lower()
    assert unsafe(html) == []
    assert "before." in html and "after." in html


def test_ordinary_markdown_is_rendered():
    html = markdown_to_html(
        "## Data\n\n- **bold** and *em*\n- [docs](https://docs.example.com)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```"
    )
    assert "<h4>Data</h4>" in html  # below the section's own heading
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://docs.example.com" rel="noopener noreferrer nofollow">docs</a>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>code" in html


def test_the_card_page_shows_sanitised_sections(client, world):
    card = world.register().card
    payload = "\n\n".join(ATTACKS)
    card_update(
        card=card, actor=world.owner, changes={"failure_modes": f"- Real mode\n\n{payload}"}
    )
    client.force_login(world.outsider.user)

    page = client.get(f"/models/{world.model.name}/v1/card/").content.decode().lower()

    start = page.index('id="section-failure_modes"')
    section = page[start : page.index("</section>", start)]
    assert "<li>real mode</li>" in section
    assert unsafe(section) == []
    assert "<script>alert" not in page
