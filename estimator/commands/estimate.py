"""`fusion-cost estimate`: parse the flags, call `api.scenario_from` and `api.estimate`, print."""

from __future__ import annotations

import argparse
from typing import Any

from estimator.errors import UserError


def _tokens(flag: str, value: str) -> Any:
    try:
        parts = [int(p) for p in value.split(":")]
    except ValueError:
        raise UserError(f"{flag} {value!r}: expected MEAN or MEAN:P95 (whole tokens)") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return {"mean": parts[0], "p95": parts[1]}
    raise UserError(f"{flag} {value!r}: expected MEAN or MEAN:P95")


def workload_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The workload fields the quick flags set."""
    flags = {
        "requests_per_month": args.requests_per_month,
        "requests_per_day": args.requests_per_day,
        "input_tokens": args.input_tokens and _tokens("--input-tokens", args.input_tokens),
        "output_tokens": args.output_tokens and _tokens("--output-tokens", args.output_tokens),
        "reasoning_tokens": args.reasoning_tokens
        and _tokens("--reasoning-tokens", args.reasoning_tokens),
        "cached_input_share": args.cached_share,
    }
    return {k: v for k, v in flags.items() if v is not None}


def load(args: argparse.Namespace, catalog: Any = None) -> tuple[Any, str]:
    """The Scenario the command works on, and a label saying where it came from."""
    from estimator.api import scenario_from

    return scenario_from(
        args.scenario,
        workload_flags(args),
        args.single,
        args.auto,
        args.fusion,
        args.name,
        args.baseline_strategy,
        getattr(args, "workload_from", None),
        catalog,
    )


def options(args: argparse.Namespace, **extra: Any) -> Any:
    from estimator.api import Options

    chosen = {"max_age_days": args.max_age_days, **extra}
    for name in ("samples", "seed", "months"):
        value = getattr(args, name, None)
        if value is not None:
            chosen[name] = value
    return Options(**chosen)  # validates (the flags' types already bound each one)


def compute(args: argparse.Namespace, **extra: Any) -> Any:
    """Scenario + catalog -> Estimate, as every pricing command does it (`extra`: Options)."""
    from estimator.api import estimate, load_catalog

    catalog = load_catalog(args.cache_dir)
    scenario, label = load(args, catalog)
    return estimate(scenario, catalog, options(args, **extra), source=label)


def run(args: argparse.Namespace) -> int:
    from estimator.outputs import emit
    from estimator.renderers.registry import render

    emit(render(compute(args), args.format), args.output)
    return 0
