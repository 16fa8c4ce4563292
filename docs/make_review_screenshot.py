"""Regenerate docs/review.png, the picture of the pilot's blind review page in docs/pilot.md.

    python docs/make_review_screenshot.py

Runs a 4-prompt pilot against the test suite's local double of OpenRouter (no network, no
spend), grades a few answers and photographs the page with Debian's Chromium.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    from playwright.sync_api import sync_playwright
    from pytest_httpserver import HTTPServer

    from estimator.cli import main as cli
    from tests.openrouter_double import Double
    from tests.test_pilot import SCENARIO

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = Double()
    server.expect_request("/api/v1/chat/completions").respond_with_handler(fake.handler)
    os.environ["OPENROUTER_API_KEY"] = "sk-or-v1-screenshot"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "scenario.yaml").write_text(SCENARIO)
        (work / "prompts.txt").write_text(
            "How do I reset my password?\nCan I get a refund after 30 days?\n"
        )
        out = work / "pilot"
        args = ["pilot", str(work / "prompts.txt"), "--scenario", str(work / "scenario.yaml")]
        cli([*args, "--max-spend", "1", "--out", str(out), "--base-url", server.url_for("/api/v1")])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto((out / "review.html").as_uri())
            page.click("[data-token] button[data-grade=best]")
            page.screenshot(path=str(HERE / "review.png"))
            browser.close()
    server.stop()
    print(HERE / "review.png")


if __name__ == "__main__":
    main()
