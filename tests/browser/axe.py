"""axe-core in the browser tests.

axe-core comes from the npm registry into the ignored `.cache/axe/` (`make axe`, which `make test`
runs when it is missing); it is never served to users. It is evaluated in the page through the
DevTools protocol, which the page's Content-Security-Policy does not govern, so pages keep their
strict `script-src 'self'` while they are checked.
"""

from pathlib import Path

import pytest

from tests.conftest import IN_CI

AXE_JS = Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""


def axe_source() -> str:
    if not AXE_JS.exists():
        message = f"needs axe-core at {AXE_JS} (run `make axe`)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS.read_text()


def serious_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;0")
    return page.evaluate(_RUN)


def describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}) at {', '.join(v['nodes'])}" for v in violations)
