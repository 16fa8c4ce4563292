"""The library: everything a command does, as a function taking plain arguments. Commands only
parse arguments, call these and print what they return; a notebook gets the same results.

    from estimator import load_catalog, load_scenario, estimate, render
    result = estimate(load_scenario("scenario.yaml"), load_catalog())
    print(render(result, "markdown"))

Results come back with their reasons and policy messages worded (the `text` and `message`
fields), exactly as every output prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from estimator.check.baseline import Baseline, load_baseline
from estimator.check.run import check as check_scenario
from estimator.costing.options import Options
from estimator.documents.check import CheckResult
from estimator.documents.estimate import Estimate
from estimator.documents.replay import ReplayResult
from estimator.pipeline import estimate as estimate_scenario
from estimator.pricing.catalog import Catalog
from estimator.pricing.store import history_files, load_catalog, load_dated
from estimator.renderers import check_output, reasons
from estimator.renderers.registry import render
from estimator.replay.reader import ReadStats
from estimator.replay.run import replay as replay_log
from estimator.replay.workload import workload_of
from estimator.scenario.build import build_all
from estimator.scenario.io import load_scenario
from estimator.scenario.quick import quick_strategies
from estimator.scenario.quick import scenario_from as quick_scenario
from estimator.scenario.spec import Policy, Scenario
from estimator.strategies.base import Strategy

__all__ = [
    "Options",
    "check",
    "estimate",
    "load_baseline",
    "load_catalog",
    "load_scenario",
    "render",
    "replay",
    "report",
    "scenario_from",
]


def estimate(
    scenario: Scenario,
    catalog: Catalog,
    options: Options | None = None,
    source: str = "built-in example",
    when: datetime | None = None,
) -> Estimate:
    """Price every strategy of `scenario` against `catalog`, and decide between them.

    `when` is the date fees are priced at (default: now, or $FUSION_COST_NOW).
    """
    return reasons.worded(estimate_scenario(scenario, catalog, options, source, when))


def check(
    scenario: Scenario,
    catalog: Catalog,
    policy: Policy | None = None,
    baseline: Baseline | str | Path | None = None,
    options: Options | None = None,
    source: str = "built-in example",
) -> CheckResult:
    """Gate `scenario`'s projected spend on `policy` (default: its own `policy:` section), and
    diff it against `baseline` (a saved `estimate --format json`, or its path). A strategy
    whose model has no fixed price is left out and reported as `fail_on_dynamic_price`."""
    if isinstance(baseline, str | Path):
        baseline = load_baseline(baseline)
    found = check_scenario(scenario, catalog, policy, baseline, options, source)
    return check_output.worded(found)


def replay(
    log: str | Path,
    catalog: Catalog,
    strategies: Scenario | Sequence[Strategy] | None = None,
    columns: str | None = None,
    since: date | None = None,
    until: date | None = None,
    catalogs: Sequence[str | Path] = (),
    use_history: bool = True,
    rows_out: IO[str] | None = None,
    max_age_days: float = 7.0,
    progress: Callable[[ReadStats], None] | None = None,
) -> ReplayResult:
    """What the log would have cost under each strategy (default: the built-in example's),
    calibrated against what it was billed. Rows are priced with the newest catalog of their
    date among `catalog`, `catalogs` (files) and, with `use_history`, the cache's history."""
    if strategies is None:
        strategies = load_scenario()
    built = build_all(strategies, catalog) if isinstance(strategies, Scenario) else strategies
    named = [load_dated(Path(path)) for path in catalogs]
    files = (
        history_files(catalog.location.parent)
        if use_history and catalog.location is not None
        else []
    )
    return replay_log(
        log,
        catalog,
        list(built),
        columns,
        since,
        until,
        progress=progress,
        history=named,
        history_files=files,
        rows_out=rows_out,
        max_age_days=max_age_days,
    )


def scenario_from(
    scenario: str | Path | None = None,
    workload: Mapping[str, Any] | None = None,
    single: Sequence[str] = (),
    auto: Sequence[str] = (),
    fusion: Sequence[str] = (),
    name: str | None = None,
    baseline: str | None = None,
    workload_from: str | Path | None = None,
    catalog: Catalog | None = None,
) -> tuple[Scenario, str]:
    """A scenario file (default: the built-in example) with quick options applied, and a label
    saying where it came from. `workload`: fields that override the file's (e.g.
    {"input_tokens": {"mean": 2000, "p95": 8000}}); `single`/`auto`/`fusion`: strategies to
    add, by model, cost tier or preset (alone, they are the scenario); `workload_from`: a log
    or a saved workload profile whose workload replaces the file's (priced with `catalog`)."""
    observed = None
    if workload_from is not None:
        observed = workload_of(workload_from, catalog or load_catalog())
    return quick_scenario(
        scenario,
        workload,
        quick_strategies(single, auto, fusion),
        name,
        baseline,
        observed,
        None if workload_from is None else str(workload_from),
    )


def report(result: Estimate) -> str:
    """The estimate as one self-contained HTML page (inline CSS, SVG and script; opens
    offline). `fusion-cost report` writes it to reports/<scenario>.html."""
    html = render(result, "html")
    assert isinstance(html, str)
    return html
