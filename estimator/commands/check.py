"""`fusion-cost check`: gate projected spend in CI; output first, then the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from estimator.errors import DynamicPriceError, UserError


def _policy(scenario: Any, args: argparse.Namespace) -> Any:
    overrides = {
        "monthly_budget_usd": args.budget_monthly,
        "max_per_request_usd": args.max_per_request,
        "max_increase_pct": args.max_increase_pct,
        "max_increase_usd": args.max_increase_usd,
        "max_multiplier_vs_baseline": args.max_multiplier,
    }
    chosen = {k: v for k, v in overrides.items() if v is not None}
    return scenario.policy.model_copy(update=chosen)


def _estimate_pricing_what_can_be(
    scenario: Any, catalog: Any, options: Any, label: str, fail_on_dynamic: bool
) -> tuple[Any, list[Any], list[str]]:
    """Estimate, dropping strategies whose models have no fixed price (policy decides)."""
    from estimator.check.gate import PolicyResult
    from estimator.costing.estimate import estimate
    from estimator.scenario.io import validate_scenario

    extra: list[PolicyResult] = []
    notes: list[str] = []
    while True:
        try:
            return estimate(scenario, catalog, options, source=label), extra, notes
        except DynamicPriceError as exc:
            name = exc.strategy
            if name is None or len(scenario.strategies) <= 1:
                raise
            extra.append(
                PolicyResult(
                    policy="fail_on_dynamic_price",
                    strategy=name,
                    passed=not fail_on_dynamic,
                    actual="dynamic price",
                    limit="a fixed price",
                    message=str(exc),
                )
            )
            notes.append(f"{name} was left out: {exc}")
            data = scenario.model_dump(mode="json", exclude_unset=True)
            data["strategies"] = [s for s in data["strategies"] if s["name"] != name]
            if data.get("baseline") == name:
                data.pop("baseline")
            scenario = validate_scenario(data, label)


def run(args: argparse.Namespace) -> int:
    from estimator.check.gate import check, load_baseline
    from estimator.commands.estimate import load, options, write_output
    from estimator.pricing.store import load_catalog
    from estimator.renderers import check_output

    scenario, label = load(args)
    policy = _policy(scenario, args)
    baseline = load_baseline(args.baseline_file) if args.baseline_file else None
    catalog = load_catalog(args.cache_dir)
    current, extra, notes = _estimate_pricing_what_can_be(
        scenario, catalog, options(args), label, policy.fail_on_dynamic_price
    )
    result = check(current, policy, baseline, notes, extra)
    renderers = {
        "text": check_output.render_text,
        "json": check_output.render_json,
        "markdown": check_output.render_markdown,
        "github": check_output.render_markdown,
    }
    body = renderers[args.format](result)
    write_output(body, args.output)
    if args.format == "github":
        sys.stderr.write(check_output.github_annotations(result))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with Path(summary).open("a", encoding="utf-8") as handle:
                handle.write(check_output.render_markdown(result) + "\n")
        except OSError as exc:
            raise UserError(f"{summary}: cannot append the step summary ({exc.strerror})") from None
    if result.passed:
        return 0
    if args.warn_only:
        print(
            f"fusion-cost: warning: {result.failed} policy check(s) failed (--warn-only)",
            file=sys.stderr,
        )
        return 0
    return 1
