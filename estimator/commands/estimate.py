"""`fusion-cost estimate`: parse the flags, call `api.scenario_from` and `api.estimate`, print."""

from __future__ import annotations

import argparse
from typing import Any

from estimator.commands import catalog_of
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


def _rate(value: str) -> Any:
    """`NAME=0.05` or `NAME=12/200` (graded answers: wrong/of)."""
    name, sep, rate = value.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        if "/" in rate:
            wrong, of = (int(p) for p in rate.split("/"))
            return name, {"wrong": wrong, "of": of}
        return name, float(rate)
    except ValueError:
        raise UserError(
            f"--error-rate {value!r}: expected NAME=RATE (0-1) or NAME=WRONG/OF"
        ) from None


def decision_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The decision fields the quick flags set."""
    flags: dict[str, Any] = {
        "cost_per_error_usd": getattr(args, "cost_per_error", None),
        "monthly_budget_usd": getattr(args, "budget", None),
    }
    rates = dict(_rate(v) for v in getattr(args, "error_rate", None) or [])
    if rates:
        flags["error_rate"] = rates
    return {k: v for k, v in flags.items() if v is not None}


def fusion_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The Fusion fields the quick flags set on every Fusion strategy."""
    flags: dict[str, Any] = {"tool_steps": getattr(args, "tool_steps", None)}
    if getattr(args, "panel", None):
        flags["analysis_models"] = list(args.panel)
    return {k: v for k, v in flags.items() if v is not None}


def _prompt_tokens(path: str, flags: dict[str, Any]) -> None:
    """--prompts: the token profile of real prompts (and answers), counted offline."""
    from estimator.api import prompt_profile

    found = prompt_profile(path)
    if "input_tokens" in flags:  # an explicit prompt size is not an o200k count of these
        found.pop("counted_with", None)
    for key, value in found.items():
        flags.setdefault(key, value)  # explicit token flags win


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
    found = {k: v for k, v in flags.items() if v is not None}
    if getattr(args, "prompts", None):
        _prompt_tokens(args.prompts, found)  # explicit token flags win
    return found


def load(args: argparse.Namespace, catalog: Any = None) -> tuple[Any, str]:
    """The Scenario the command works on, and a label saying where it came from."""
    from estimator.api import QuickOptions, scenario_from

    options = QuickOptions(
        workload=workload_flags(args),
        single=args.single,
        auto=args.auto,
        fusion=args.fusion,
        name=args.name,
        baseline=args.baseline_strategy,
        workload_from=getattr(args, "workload_from", None),
        decision=decision_flags(args),
        fusion_fields=fusion_flags(args),
    )
    return scenario_from(args.scenario, options, catalog)


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
    from estimator.api import estimate

    catalog = catalog_of(args, args.scenario)
    scenario, label = load(args, catalog)
    return estimate(scenario, catalog, options(args, **extra), source=label)


def run(args: argparse.Namespace) -> int:
    from estimator.outputs import emit
    from estimator.renderers.registry import render

    emit(render(compute(args), args.format), args.output)
    return 0
