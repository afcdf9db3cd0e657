"""README's gallery: `make gallery` while `make run` serves the demo.

Takes a few screenshots of the running demo (desktop 1280 × 800, the roster on a 390 px phone)
into docs/gallery/. Not a test: it only looks at a server that is already running.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[2] / "docs" / "gallery"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = [  # (file, user, path or a link to follow from the registry, width, height)
    ("dashboard", "gatekeeper", "/", 1280, 800),
    ("promotion", "gatekeeper", "first-waiting-promotion", 1280, 900),
    ("card", "product", "first-production-card", 1280, 900),
    ("leaderboard", "product", "/benchmarks/safety-guardrails/", 1280, 900),
    ("roster-phone", "lead", "/roster/", 390, 844),
    ("topology", "lead", "/topology/", 1280, 900),
]


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, user, path, width, height in SHOTS:
            context = browser.new_context(
                viewport={"width": width, "height": height}, base_url=base
            )
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill("mlteam-demo")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            if path == "first-waiting-promotion":
                page.goto("/promotions/?show=waiting")
                page.locator("table a[href^='/promotions/']").first.click()
            elif path == "first-production-card":
                page.goto("/models/?stage=production")
                page.locator("td[data-label='In production'] a").first.click()
                page.get_by_role("link", name="Read the model card").click()
            else:
                page.goto(path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}.png"))
            context.close()
            print(OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
