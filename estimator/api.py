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
from typing import IO, TYPE_CHECKING, Any

from estimator.costing.options import Options
from estimator.pricing.store import load_catalog
from estimator.scenario.io import load_scenario

if TYPE_CHECKING:  # each function imports what it runs: `estimate` never loads replay or check
    from estimator.documents.check import CheckResult
    from estimator.documents.estimate import Estimate
    from estimator.documents.replay import ReplayResult
    from estimator.gate.baseline import Baseline
    from estimator.logs.reader import ReadStats
    from estimator.pricing.catalog import Catalog
    from estimator.scenario.spec import Policy, Scenario
    from estimator.strategies.base import Strategy


def load_baseline(path: str | Path) -> Baseline:
    """A saved `estimate --format json` to diff a check against (exit 2 naming the file)."""
    from estimator.gate.baseline import load_baseline as load

    return load(path)


def render(document: Any, fmt: str | None = None) -> str | bytes:
    """Any result document in one of its formats (`renderers/registry.py` lists them)."""
    from estimator.renderers.registry import render as render_document

    return render_document(document, fmt)


# a literal list, so the type checker sees the re-exports; estimator/__init__.API_NAMES
# names the same ones for the lazy package attributes (a test keeps the two equal)
__all__ = [
    "Options",
    "check",
    "estimate",
    "grade",
    "load_baseline",
    "load_catalog",
    "load_scenario",
    "pilot_evidence",
    "pilot_ledger",
    "pilot_plan",
    "pilot_run",
    "pilot_sender",
    "presets",
    "prompt_profile",
    "render",
    "replay",
    "report",
    "scenario_from",
    "sql_for",
    "verify_sql",
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
    from estimator.pipeline import estimate as estimate_scenario
    from estimator.renderers.reasons import worded

    return worded(estimate_scenario(scenario, catalog, options, source, when))


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
    from estimator.gate.run import check as check_scenario
    from estimator.renderers.check_output import worded

    if isinstance(baseline, str | Path):
        baseline = load_baseline(baseline)
    return worded(check_scenario(scenario, catalog, policy, baseline, options, source))


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
    engine: str = "duckdb",
    group_by: Sequence[str] = (),
    focus_out: IO[str] | None = None,
    stats: str | Path | None = None,
) -> ReplayResult:
    """What the log would have cost under each strategy (default: the built-in example's),
    calibrated against what it was billed. Rows are priced with the newest catalog of their
    date among `catalog`, `catalogs` (files) and, with `use_history`, the cache's history.
    `engine`: duckdb (default), python or spark; `group_by`: attribution columns;
    `focus_out`: a stream for FinOps FOCUS rows; `stats`: replay a statistics file that the
    query of `sql_for` produced in a warehouse (then `log` only names it)."""
    from estimator.logs.run import replay as replay_log
    from estimator.pricing.store import history_files, load_dated
    from estimator.scenario.build import build_all
    from estimator.scenario.spec import Scenario

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
        engine=engine,
        group_by=group_by,
        focus_out=focus_out,
        stats=stats,
    )


def sql_for(
    catalog: Catalog,
    strategies: Scenario | Sequence[Strategy] | None = None,
    dialect: str = "duckdb",
    table: str = "openrouter_broadcast",
    columns: str | None = None,
    without: Sequence[str] = (),
    text: bool = False,
    group_by: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
) -> Any:
    """The statistics query of a warehouse table of activity rows (`dialect`: duckdb, spark,
    clickhouse, bigquery or snowflake) and the price-band table it joins; run it there and
    give its result to `replay(..., stats=FILE)`. Returns an `engines.emit.Emitted`."""
    from estimator.logs.engines.emit import emit, table_columns
    from estimator.logs.run import _seconds
    from estimator.scenario.build import build_all
    from estimator.scenario.spec import Scenario

    if strategies is None:
        strategies = load_scenario()
    built = build_all(strategies, catalog) if isinstance(strategies, Scenario) else strategies
    return emit(
        catalog,
        list(built),
        dialect,
        table,
        table_columns(columns, without),
        text,
        group_by,
        _seconds(since),
        _seconds(until, after=True),
    )


def verify_sql(
    log: str | Path,
    catalog: Catalog,
    strategies: Scenario | Sequence[Strategy] | None = None,
    columns: str | None = None,
    limit: int | None = 20_000,
) -> Any:
    """The generated SQL run in embedded DuckDB on the first `limit` rows of `log` (None:
    all), compared row by row and strategy by strategy with the Decimal path. Returns an
    `engines.verify.Verification` (`.ok`, `.lines()`)."""
    from estimator.logs.engines.verify import verify
    from estimator.scenario.build import build_all
    from estimator.scenario.spec import Scenario

    if strategies is None:
        strategies = load_scenario()
    built = build_all(strategies, catalog) if isinstance(strategies, Scenario) else strategies
    return verify(Path(log), catalog, list(built), columns, limit)


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
    decision: Mapping[str, Any] | None = None,
    fusion_fields: Mapping[str, Any] | None = None,
) -> tuple[Scenario, str]:
    """A scenario file (default: the built-in example) with quick options applied, and a label
    saying where it came from. `workload`: fields that override the file's (e.g.
    {"input_tokens": {"mean": 2000, "p95": 8000}}); `single`/`auto`/`fusion`: strategies to
    add, by model, cost tier or preset (alone, they are the scenario); `workload_from`: a log
    or a saved workload profile whose workload replaces the file's (priced with `catalog`);
    `decision`: decision fields to set (cost_per_error_usd, error_rate, monthly_budget_usd);
    `fusion_fields`: fields set on every Fusion strategy (tool_steps, analysis_models)."""
    from estimator.scenario.quick import quick_strategies
    from estimator.scenario.quick import scenario_from as quick_scenario

    observed = None
    if workload_from is not None:
        from estimator.logs.workload import workload_of

        observed = workload_of(workload_from, catalog or load_catalog())
    return quick_scenario(
        scenario,
        workload,
        quick_strategies(single, auto, fusion),
        name,
        baseline,
        observed,
        None if workload_from is None else str(workload_from),
        decision,
        fusion_fields,
    )


def presets(
    catalog: Catalog,
    names: Sequence[str] = (),
    tiers: Sequence[str] = (),
    workload: Mapping[str, Any] | None = None,
) -> Any:
    """Fusion presets (members as requested and as resolved, cost on `workload`) and the Auto
    Router pools of `tiers`: a PresetList (`fusion-cost presets`)."""
    from estimator.costing.presets import presets_and_pools

    return presets_and_pools(catalog, names, tiers, workload)


def prompt_profile(path: str | Path) -> dict[str, Any]:
    """The workload token fields (input_tokens, output_tokens when answers are given) of a
    file of prompt samples, counted offline with the o200k tokenizer (`--prompts`)."""
    from estimator.workload.prompts import count_tokens, profile_spec, read_prompts

    spec = profile_spec(count_tokens(read_prompts(path)))
    return {k: v for k, v in spec.items() if k != "summary" and v is not None}


def pilot_plan(
    prompts: str | Path,
    scenario: Scenario,
    catalog: Catalog,
    max_tokens: int | None = None,
    sample: int | None = None,
) -> list[Any]:
    """The pilot's calls: each (prompt, strategy) with its request body and worst case."""
    from estimator.pilot.run import max_tokens_of, plan_pairs

    limit = max_tokens_of(scenario, max_tokens)
    return plan_pairs(Path(prompts), scenario, catalog, limit, sample)


def pilot_ledger(directory: str | Path, max_spend: Any, read_only: bool = False) -> Any:
    """The pilot's cap and records in `directory` (resumes what is there; held by this
    process alone unless `read_only`)."""
    from decimal import Decimal

    from estimator.pilot.ledger import Ledger

    return Ledger.open(Path(directory), Decimal(str(max_spend)), read_only)


def pilot_run(pairs: list[Any], ledger: Any, send: Any, **options: Any) -> Any:
    """Send the pairs not yet done under the ledger's cap (`send`: body -> Outcome)."""
    from estimator.pilot.run import run_pilot

    return run_pilot(pairs, ledger, send, **options)


def pilot_sender(client: Any, base_url: str, key: str) -> Any:
    """`send` for `pilot_run`: one call to {base_url}/chat/completions with retries."""
    from estimator.pilot.client import call

    url = base_url.rstrip("/") + "/chat/completions"
    return lambda body: call(client, url, key, body)


def pilot_evidence(
    scenario: Scenario, catalog: Catalog, ledger: Any, pairs: list[Any], directory: str | Path
) -> tuple[list[dict[str, Any]], dict[str, Any], Path]:
    """The calibration, the fitted scenario (a dict) and the blind review page (written)."""
    import json as _json

    from estimator.pilot.calibrate import calibration, fitted_scenario
    from estimator.pilot.review import write_review

    out = Path(directory)
    kinds = {s.name: s.kind for s in scenario.strategies}
    rows = [{**r, "kind": kinds.get(r["strategy"])} for r in ledger.done.values()]
    prompts = {p.sample.id: p.sample.text or _json.dumps(p.body["messages"]) for p in pairs}
    records = str(out / "records.jsonl")
    fitted = fitted_scenario(scenario, rows, ledger.spent, records, len(prompts))
    return calibration(scenario, catalog, rows), fitted, write_review(out, rows, prompts)


def grade(directory: str | Path, grades: str | Path, data: dict[str, Any]) -> Any:
    """Counted error rates from the review page's export, set in the scenario data."""
    from estimator.pilot.grade import counted, with_rates

    rates = counted(Path(directory), Path(grades))
    return rates, with_rates(data, rates)


def report(result: Estimate) -> str:
    """The estimate as one self-contained HTML page (inline CSS, SVG and script; opens
    offline). `fusion-cost report` writes it to reports/<scenario>.html."""
    html = render(result, "html")  # the registry's html renderer
    assert isinstance(html, str)
    return html
