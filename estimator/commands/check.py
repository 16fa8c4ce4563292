"""`fusion-cost check`: gate projected spend in CI; output first, then the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from estimator.commands import catalog_of
from estimator.errors import UserError


def _policy(scenario: Any, args: argparse.Namespace) -> Any:
    overrides = {  # the monthly budget is --budget: the decision's (scenario/quick.py)
        "max_per_request_usd": args.max_per_request,
        "max_p95_request_usd": args.max_p95_request,
        "max_increase_pct": args.max_increase_pct,
        "max_increase_usd": args.max_increase_usd,
        "max_multiplier_vs_baseline": args.max_multiplier,
    }
    chosen = {k: v for k, v in overrides.items() if v is not None}
    return scenario.policy.model_copy(update=chosen)


def _step_summary(markdown: str) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        raise UserError(f"{summary}: cannot append the step summary ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    from estimator.api import check, load_baseline
    from estimator.commands.estimate import load, options
    from estimator.outputs import emit
    from estimator.renderers import check_output
    from estimator.renderers.registry import render

    catalog = catalog_of(args, args.scenario)
    scenario, label = load(args, catalog)
    baseline = load_baseline(args.baseline_file) if args.baseline_file else None
    result = check(
        scenario,
        catalog,
        _policy(scenario, args),
        baseline,
        options(args),
        label,
        allow_other_scenario=args.allow_other_scenario,
    )
    quiet = args.comment_on == "change" and not result.moved
    if quiet and args.format in ("markdown", "github"):
        print(
            "fusion-cost: nothing moved and every policy passes: no comment (--comment-on change)",
            file=sys.stderr,
        )
    else:
        emit(render(result, args.format), args.output)
        _step_summary(check_output.render_markdown(result))
    if args.format == "github":
        sys.stderr.write(check_output.github_annotations(result))
    if result.passed:
        return 0
    if args.warn_only:
        print(
            f"fusion-cost: warning: {result.failed} policy check(s) failed (--warn-only)",
            file=sys.stderr,
        )
        return 0
    return 1
