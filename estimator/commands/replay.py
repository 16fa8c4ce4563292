"""`fusion-cost replay`: what would this activity log have cost under each strategy?"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

from estimator.errors import UserError


def _date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{flag} {value!r}: expected a date like 2026-08-01") from None


def _strategies(args: argparse.Namespace, catalog: Any) -> list[Any]:
    from estimator.commands.estimate import strategy_flags
    from estimator.scenario.io import load_scenario, validate_scenario
    from estimator.strategies.build import build_all

    if args.strategies:
        scenario = load_scenario(args.strategies)
    else:
        flags = strategy_flags(args)
        if not flags:
            scenario = load_scenario()  # the built-in example's strategies
        else:
            scenario = validate_scenario(
                {
                    "workload": {"requests_per_month": 0, "input_tokens": 0, "output_tokens": 0},
                    "strategies": flags,
                },
                "command-line flags",
            )
    return build_all(scenario, catalog)


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


def history(args: argparse.Namespace, catalog: Any) -> tuple[list[Any], list[Path]]:
    """Older catalogs for pricing rows at their own dates: every --catalog FILE, and the
    cache's history files (unless --no-history; read only when a row needs one)."""
    from estimator.pricing.store import history_files, load_dated

    named = [load_dated(path) for path in args.catalog]
    if args.no_history or catalog.location is None:
        return named, []
    return named, history_files(catalog.location.parent)


def run(args: argparse.Namespace) -> int:
    from estimator.commands.estimate import write_output
    from estimator.outputs import open_text_output
    from estimator.pricing.store import load_catalog
    from estimator.renderers import replay_output
    from estimator.replay import replay

    catalog = load_catalog(args.cache_dir)
    strategies = _strategies(args, catalog)
    named, files = history(args, catalog)
    bar, update = _progress()
    with contextlib.ExitStack() as stack:
        rows_out = None
        if args.rows_out:  # committed only once the whole replay succeeded
            rows_out = stack.enter_context(open_text_output(args.rows_out, "the rows"))
        try:
            if bar is not None:
                bar.start()
            result = replay(
                args.log,
                catalog,
                strategies,
                args.columns,
                _date("--since", args.since),
                _date("--until", args.until),
                progress=update,
                history=named,
                history_files=files,
                rows_out=rows_out,
                max_age_days=args.max_age_days,
            )
        finally:
            if bar is not None:
                bar.stop()
    if args.profile_out:
        write_profile(result, Path(args.profile_out))
    render = {
        "table": replay_output.render_table,
        "json": replay_output.render_json,
        "csv": replay_output.render_csv,
        "markdown": replay_output.render_markdown,
    }[args.format]
    write_output(render(result), args.output)
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
