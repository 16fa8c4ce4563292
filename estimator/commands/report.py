"""`fusion-cost report`: the estimate as a self-contained HTML page, written atomically."""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path
from typing import Any

REPORTS_DIR = "reports"


SLUG_CHARS = 60


def slug(name: str) -> str:
    """`Support answers — is Fusion worth it?` -> `support-answers-is-fusion-worth-it`.

    A name the ASCII slug cannot spell whole (a letter or digit outside ASCII, as in `成本` or
    `Café`, no letter at all, or cut at SLUG_CHARS) gets 8 hex digits of its SHA-256, so two
    such names never share a report file (`成本` and `費用` would both be `scenario`)."""
    import hashlib

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    short = words[:SLUG_CHARS].strip("-") or "scenario"
    lost = any(c.isalnum() and not c.isascii() for c in name)
    if lost or not words or len(words) > SLUG_CHARS:
        short += "-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return short


def run(args: argparse.Namespace) -> int:
    from estimator.api import report
    from estimator.commands.estimate import compute
    from estimator.outputs import write_output
    from estimator.renderers.estimate_text import verdict_line
    from estimator.renderers.fmt import usd
    from estimator.renderers.safe import plain_text

    result = compute(args, what_if=True)  # the page's sliders, precomputed
    html = report(result)
    path = (
        Path(args.output)
        if args.output
        else Path(REPORTS_DIR) / f"{slug(result.scenario['name'])}.html"
    )
    write_output(path, html, "report")
    lines = [
        str(path),
        "monthly: " + ", ".join(f"{s.name} {usd(s.monthly_usd)}" for s in result.strategies),
    ]
    decision = result.decision
    if decision is not None:
        lines.append(f"verdict: {verdict_line(decision)}")
        lines += [f"  {i}. {r.text}" for i, r in enumerate(decision.reasons, 1)]
    if args.pdf is not None:
        lines.insert(1, _pdf(args, html, path, result))
    print(plain_text("\n".join(lines)))  # names come from scenarios and the catalog
    return 0


def _pdf(args: argparse.Namespace, html: str, path: Path, result: Any) -> str:
    """Print the page to PDF from a private copy (the HTML target may be a pipe)."""
    import tempfile

    from estimator.outputs import write_output
    from estimator.renderers.pdf import page_count, print_pdf

    target = Path(args.pdf) if args.pdf else _pdf_path(path, result)
    with tempfile.TemporaryDirectory(prefix="fusion-cost-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        data = print_pdf(page, args.paper)
    write_output(target, data, "the PDF")  # the one writer: devices, FIFOs, symlinks, pid temps
    pages = page_count(data)
    return f"{target} ({pages} page{'s' if pages != 1 else ''}, {args.paper.upper()})"


def _pdf_path(path: Path, result: Any) -> Path:
    if path.suffix == ".html" and not str(path).startswith("/dev/"):
        return path.with_suffix(".pdf")
    return Path(REPORTS_DIR) / f"{slug(result.scenario['name'])}.pdf"
