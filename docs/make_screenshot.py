"""Regenerate docs/report.png, the README's picture of the example report.

    python docs/make_screenshot.py

Uses Debian's Chromium through playwright (pip install -e '.[test]'; apt-get install chromium).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "example.html"
        subprocess.run(
            [sys.executable, "-m", "estimator", "report", "-o", str(report)],
            check=True,
            capture_output=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.goto(report.as_uri())
            page.screenshot(path=str(HERE / "report.png"))
            browser.close()
    print(HERE / "report.png")


if __name__ == "__main__":
    main()
