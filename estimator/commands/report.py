"""`fusion-cost report`: the estimate as a self-contained HTML page, written atomically."""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

REPORTS_DIR = "reports"


def slug(name: str) -> str:
    """`Support answers — is Fusion worth it?` -> `support-answers-is-fusion-worth-it`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "scenario"


def run(args: argparse.Namespace) -> int:
    from estimator.api import report
    from estimator.commands.estimate import compute
    from estimator.outputs import write_output
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
        lines.append(f"verdict: {decision.verdict} ({decision.chosen_strategy})")
        lines += [f"  {i}. {r.text}" for i, r in enumerate(decision.reasons, 1)]
    print(plain_text("\n".join(lines)))  # names come from scenarios and the catalog
    return 0
