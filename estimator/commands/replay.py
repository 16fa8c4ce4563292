"""`fusion-cost replay`: what would this activity log have cost under each strategy?"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

from estimator.commands import catalog_of
from estimator.errors import UserError


def _date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{flag} {value!r}: expected a date like 2026-08-01") from None


def _log_or_stats(args: argparse.Namespace) -> str:
    """The log, or the statistics file standing for it (exactly one of them)."""
    if (args.log is None) == (args.stats is None):
        raise UserError("replay: give a LOG, or --stats FILE (the result of `fusion-cost sql`)")
    if args.stats is not None and args.rows_out:
        raise UserError("--rows-out needs the rows: replay the log itself, not --stats")
    return str(args.log if args.log is not None else args.stats)


def _names(flag: str, text: str | None) -> list[str]:
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if len(set(names)) != len(names):
        raise UserError(f"{flag} {text!r}: a column is named twice")
    return names


def _strategies(args: argparse.Namespace) -> Any:
    """The scenario whose strategies are replayed: --strategies FILE, the strategy flags, or
    the built-in example's."""
    from estimator.scenario.io import load_scenario, validate_scenario
    from estimator.scenario.quick import quick_strategies

    if args.strategies:
        return load_scenario(args.strategies)
    flags = quick_strategies(args.single, args.auto, args.fusion)
    if not flags:
        return load_scenario()
    placeholder = {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0}
    return validate_scenario({"workload": placeholder, "strategies": flags}, "command-line flags")


def _progress() -> tuple[Any, Any]:
    """A rich progress bar on a terminal (stderr), else nothing."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    task = bar.add_task("replaying", total=None)

    def update(stats: Any) -> None:
        bar.update(
            task,
            completed=stats.bytes_read,
            total=stats.total_bytes or None,
            description=f"replaying {stats.rows:,} rows",
        )

    return bar, update


def run(args: argparse.Namespace) -> int:
    from estimator.api import replay
    from estimator.outputs import emit, open_text_output
    from estimator.renderers.registry import render

    log = _log_or_stats(args)
    catalog = catalog_of(args, args.strategies)
    strategies = _strategies(args)
    bar, update = _progress()
    with contextlib.ExitStack() as stack:
        rows_out = focus_out = None
        if args.rows_out:  # committed only once the whole replay succeeded
            rows_out = stack.enter_context(open_text_output(args.rows_out, "the rows"))
        if args.focus_out:
            focus_out = stack.enter_context(open_text_output(args.focus_out, "the FOCUS rows"))
        if bar is not None:
            stack.enter_context(bar)
        result = replay(
            log,
            catalog,
            strategies,
            args.columns,
            _date("--since", args.since),
            _date("--until", args.until),
            catalogs=args.catalog,
            use_history=not args.no_history,
            rows_out=rows_out,
            max_age_days=args.max_age_days,
            progress=update,
            engine=args.engine,
            group_by=_names("--group-by", args.group_by),
            focus_out=focus_out,
            stats=args.stats,
        )
    if args.profile_out:
        write_profile(result, Path(args.profile_out))
    emit(render(result, args.format), args.output)
    return 0


def write_profile(result: Any, path: Path) -> None:
    import yaml

    from estimator.outputs import write_output

    if not result.profile:
        raise UserError(f"{result.log}: no valid rows, so no workload profile")
    header = (
        f"# fusion-cost workload profile of {result.log}: {result.profile['rows']:,} rows "
        f"over {result.profile['days'] or 0:g} days.\n# Use it with `fusion-cost estimate "
        "SCENARIO --workload-from THIS_FILE`;\n# model_mix can serve as Auto Router "
        "weights (auto: {weights: ...}) for models in the pool.\n"
    )
    body = io.StringIO()
    document = {"workload": result.profile["workload"], "model_mix": result.profile["model_mix"]}
    if "fusion_observed" in result.profile:
        document["fusion_observed"] = result.profile["fusion_observed"]
    yaml.safe_dump(document, body, sort_keys=False)
    write_output(path, header + body.getvalue(), "the profile")
