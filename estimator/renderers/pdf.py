"""`report --pdf`: the report page printed to PDF by an installed Chromium (Playwright drives
it; nothing is downloaded). The page's print styles hide the sliders and keep charts and
table rows whole; the appendix is opened so assumptions and method print (the per-call tables
stay folded: they run to pages)."""

from __future__ import annotations

import os
from pathlib import Path

from estimator.errors import UserError

CHROMIUM_VARIABLE = "FUSION_COST_CHROMIUM"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
PAPERS = {"a4": "A4", "letter": "Letter"}
OPEN_APPENDIX = "document.querySelectorAll('#appendix > details').forEach(d => d.open = true)"
INSTALL = (
    "install Chromium (Debian/Ubuntu: apt-get install -y chromium; or set "
    f"{CHROMIUM_VARIABLE} to a Chrome/Chromium binary) and Playwright (pip install "
    "'fusion-cost[pdf]')"
)


def chromium() -> str:
    """The browser to print with: $FUSION_COST_CHROMIUM, else the usual system paths."""
    chosen = os.environ.get(CHROMIUM_VARIABLE)
    candidates = [chosen] if chosen else list(CHROMIUM_PATHS)
    for path in candidates:
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    where = chosen or ", ".join(CHROMIUM_PATHS)
    raise UserError(f"--pdf needs Chromium, not found at {where}: {INSTALL}")


def print_pdf(html: Path, paper: str = "a4") -> bytes:
    """`html` printed to PDF: the document's bytes. The caller writes them through the one
    output writer (`estimator.outputs`), as every file a user names is written."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise UserError(f"--pdf needs Playwright: {INSTALL}") from None
    browser_path = chromium()
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page()
                page.goto(html.resolve().as_uri())
                page.evaluate(OPEN_APPENDIX)
                page.emulate_media(media="print")
                data = page.pdf(
                    format=PAPERS[paper],
                    print_background=True,
                    margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    except Error as exc:
        raise UserError(f"--pdf: Chromium at {browser_path} failed: {exc.message}") from None
    return bytes(data)


def page_count(data: bytes) -> int:
    """The pages of a PDF Chromium printed (its page objects, less the page tree's)."""
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")
