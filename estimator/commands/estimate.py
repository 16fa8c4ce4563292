"""`fusion-cost estimate`: load a scenario (file, flags or the example), price it, render it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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


def strategy_flags(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Strategies from --single / --auto / --fusion, named after what they run."""
    return (
        [{"name": m, "single": {"model": m}} for m in args.single]
        + [{"name": f"auto-{t}", "auto": {"cost_tier": t}} for t in args.auto]
        + [{"name": f"fusion-{p}", "fusion": {"preset": p}} for p in args.fusion]
    )


def workload_from(source: str, args: argparse.Namespace) -> dict[str, Any]:
    """The workload observed in an activity log, or read from a replay profile YAML."""
    path = Path(source)
    if path.suffix.lower() in (".yaml", ".yml"):
        from estimator.scenario.io import load_yaml, read_text_file

        document, _ = load_yaml(read_text_file(path, "workload profile"), str(path))
        if not isinstance(document, dict) or not isinstance(document.get("workload"), dict):
            raise UserError(f"{path}: not a workload profile (no workload: section)")
        return dict(document["workload"])
    from estimator.pricing.store import load_catalog
    from estimator.replay import replay

    result = replay(path, load_catalog(args.cache_dir), [])
    if not result.profile:
        raise UserError(f"{path}: no valid rows to take a workload from")
    return dict(result.profile["workload"])


def scenario_data(args: argparse.Namespace) -> tuple[dict[str, Any] | None, str]:
    """The scenario as data with the quick flags applied; None means "use the file as is"."""
    flags = {
        "requests_per_month": args.requests_per_month,
        "requests_per_day": args.requests_per_day,
        "input_tokens": args.input_tokens and _tokens("--input-tokens", args.input_tokens),
        "output_tokens": args.output_tokens and _tokens("--output-tokens", args.output_tokens),
        "reasoning_tokens": args.reasoning_tokens
        and _tokens("--reasoning-tokens", args.reasoning_tokens),
        "cached_input_share": args.cached_share,
    }
    workload = {k: v for k, v in flags.items() if v is not None}
    observed = getattr(args, "workload_from", None)
    if observed:
        workload = {**workload_from(observed, args), **workload}
    strategies = strategy_flags(args)
    if not (workload or strategies or args.name or args.baseline_strategy):
        return None, args.scenario or "built-in example"
    base: dict[str, Any] = {"workload": {}, "strategies": []}
    label = "command-line flags"
    if args.scenario is not None or not strategies:  # no strategy flags: the example's
        from estimator.scenario.io import load_scenario

        base = load_scenario(args.scenario).model_dump(exclude_unset=True, mode="json")
        label = f"{args.scenario or 'built-in example'} + flags"
    if observed:
        base["workload"] = {}
        label += f" + workload of {observed}"
    if "requests_per_month" in workload:
        base["workload"].pop("requests_per_day", None)
    if "requests_per_day" in workload:
        base["workload"].pop("requests_per_month", None)
    base["workload"].update(workload)
    base["strategies"] = list(base.get("strategies", [])) + strategies
    if args.name:
        base["name"] = args.name
    if args.baseline_strategy:
        base["baseline"] = args.baseline_strategy
    elif strategies and args.scenario is None:
        base["baseline"] = strategies[0]["name"]
    return base, label


def load(args: argparse.Namespace) -> tuple[Any, str]:
    """The Scenario the command works on, and a label saying where it came from."""
    from estimator.scenario.io import load_scenario, validate_scenario

    data, label = scenario_data(args)
    if data is None:
        return load_scenario(args.scenario), label
    return validate_scenario(data, label), label


def options(args: argparse.Namespace) -> Any:
    from estimator.costing.estimate import Options

    chosen = {"max_age_days": args.max_age_days}
    for name in ("samples", "seed", "months"):
        value = getattr(args, name, None)
        if value is not None:
            chosen[name] = value
    return Options(**chosen)  # validates (the flags' types already bound each one)


def compute(args: argparse.Namespace) -> Any:
    """Scenario + catalog -> Estimate, as every pricing command does it."""
    from estimator.costing.estimate import estimate
    from estimator.pricing.store import load_catalog

    scenario, label = load(args)
    catalog = load_catalog(args.cache_dir)
    return estimate(scenario, catalog, options(args), source=label)


def write_output(text: str, output: str | None) -> None:
    """`text` to stdout, or to the file named by `-o` (see `estimator.outputs`)."""
    if output is None:
        sys.stdout.write(text)
        return
    from estimator.outputs import write_output as write_file

    write_file(output, text)


def run(args: argparse.Namespace) -> int:
    from estimator.renderers.formats import Format, renderer

    result = compute(args)
    write_output(renderer(Format(args.format))(result), args.output)
    return 0
