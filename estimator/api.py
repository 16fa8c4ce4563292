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
from estimator.defaults import MAX_CATALOG_AGE_DAYS
from estimator.pricing.store import load_catalog
from estimator.scenario.io import load_scenario
from estimator.scenario.quick import QuickOptions

if TYPE_CHECKING:  # each function imports what it runs: `estimate` never loads replay or check
    from estimator.documents.check import CheckResult, Proposal
    from estimator.documents.estimate import Estimate
    from estimator.documents.prices import PriceList
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
    "QuickOptions",
    "check",
    "estimate",
    "grade",
    "load_baseline",
    "load_catalog",
    "load_scenario",
    "pilot_evidence",
    "pilot_freshness",
    "pilot_ledger",
    "pilot_plan",
    "pilot_run",
    "pilot_sender",
    "presets",
    "prices",
    "prompt_profile",
    "propose_prices",
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
    allow_other_scenario: bool = False,
) -> CheckResult:
    """Gate `scenario`'s projected spend on `policy` (default: its own `policy:` section), and
    diff it against `baseline` (a saved `estimate --format json`, or its path). A strategy
    whose model has no fixed price is left out and reported as `fail_on_dynamic_price`; a
    baseline of another scenario is refused unless `allow_other_scenario`."""
    from estimator.gate.run import check as check_scenario
    from estimator.renderers.check_output import worded

    if isinstance(baseline, str | Path):
        baseline = load_baseline(baseline)
    found = check_scenario(
        scenario, catalog, policy, baseline, options, source, allow_other_scenario
    )
    return worded(found)


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
    max_age_days: float = MAX_CATALOG_AGE_DAYS,
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
    options: QuickOptions | None = None,
    catalog: Catalog | None = None,
) -> tuple[Scenario, str]:
    """A scenario file (default: the built-in example) with quick options applied (the
    `estimate` flags as one QuickOptions value), and a label saying where it came from.
    `options.workload_from` (a log or a saved workload profile) is read with `catalog`."""
    from estimator.scenario.quick import scenario_from as quick_scenario

    quick = options or QuickOptions()
    observed = None
    if quick.workload_from is not None:
        from estimator.logs.workload import workload_of

        observed = workload_of(quick.workload_from, catalog or load_catalog())
    return quick_scenario(scenario, quick, observed)


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


def prices(
    catalog: Catalog, models: Sequence[str] = (), max_age_days: float = MAX_CATALOG_AGE_DAYS
) -> PriceList:
    """The prices of `models` (ids, aliases, globs; none: every model) as `prices show`
    prints them. A Fusion preset's name is not a model: the error says where it goes."""
    from estimator.documents.prices import PriceList
    from estimator.errors import UserError
    from estimator.pricing.describe import describe_catalog, describe_model, select
    from estimator.strategies.presets import not_a_model

    try:
        chosen = select(catalog, list(models))
    except UserError as exc:
        hint = next((not_a_model(n) for n in models if not_a_model(n)), "")
        raise UserError(hint or str(exc)) from None
    return PriceList(describe_catalog(catalog, max_age_days), [describe_model(r) for r in chosen])


def propose_prices(
    scenarios: Sequence[tuple[str, Scenario]], old: Catalog, new: Catalog
) -> Proposal:
    """What moving from catalog `old` to `new` does to each scenario (label, scenario): the
    prices of the models they use, monthly deltas, policy and verdict flips (`prices refresh
    --propose`)."""
    from estimator.gate.propose import proposal

    return proposal(list(scenarios), old, new)


def prompt_profile(path: str | Path) -> dict[str, Any]:
    """The workload token fields (input_tokens, output_tokens when answers are given) of a
    file of prompt samples, counted offline with the o200k tokenizer (`--prompts`)."""
    from estimator.workload.prompts import count_tokens, profile_spec, read_prompts

    counts = count_tokens(read_prompts(path))
    spec = profile_spec(counts)
    fields = {k: v for k, v in spec.items() if k != "summary" and v is not None}
    return {**fields, "counted_with": counts.encoding}  # each model scales them to its own


def pilot_plan(
    prompts: str | Path,
    scenario: Scenario,
    catalog: Catalog,
    max_tokens: int | None = None,
    sample: int | None = None,
    stale: bool = False,
) -> list[Any]:
    """The pilot's calls: each (prompt, strategy) with its request body and worst case
    (`stale`: the catalog is older than allowed, so bounds carry the stale margin)."""
    from estimator.pilot.bounds import margin
    from estimator.pilot.run import max_tokens_of, plan_pairs

    limit = max_tokens_of(scenario, max_tokens)
    return plan_pairs(Path(prompts), scenario, catalog, limit, sample, margin(stale))


def pilot_freshness(
    catalog: Catalog, max_age_days: float, allow_stale: bool, sending: bool = True
) -> tuple[bool, list[str]]:
    """Whether the catalog is older than `max_age_days` (then the pilot's bounds carry the
    stale margin), and the lines to show. Raises `UserError` (with the catalog's `warning`)
    when calls would be sent on a stale catalog without `allow_stale`."""
    from estimator.pilot.bounds import stale_check

    return stale_check(catalog, max_age_days, allow_stale, sending)


def pilot_ledger(
    directory: str | Path, max_spend: Any, read_only: bool = False, api_key: str | None = None
) -> Any:
    """The pilot's cap and records in `directory` (resumes what is there; held by this
    process alone unless `read_only`); `api_key` is redacted from everything it writes."""
    from decimal import Decimal

    from estimator.pilot.ledger import Ledger
    from estimator.pilot.review import previous_key
    from estimator.pricing.secrets import Secrets

    secrets = Secrets.of(api_key)
    ledger = Ledger.open(Path(directory), Decimal(str(max_spend)), read_only, secrets)
    if not read_only:
        try:
            previous_key(Path(directory))  # a key that cannot be read stops it before a call
        except BaseException:
            ledger.close()
            raise
    return ledger


def pilot_run(pairs: list[Any], ledger: Any, send: Any, **options: Any) -> Any:
    """Send the pairs not yet done under the ledger's cap (`send`: Request -> Outcome)."""
    from estimator.pilot.run import run_pilot, with_learned

    return run_pilot(with_learned(pairs, ledger), ledger, send, **options)


def pilot_sender(client: Any, base_url: str, key: str, timeout: float = 300.0) -> Any:
    """`send` for `pilot_run`: one call to {base_url}/chat/completions with retries, at most
    `timeout` seconds in all."""
    from estimator.pilot.client import call

    url = base_url.rstrip("/") + "/chat/completions"
    return lambda request: call(client, url, key, request, timeout)


def pilot_evidence(
    scenario: Scenario, catalog: Catalog, ledger: Any, pairs: list[Any], directory: str | Path
) -> Any:
    """Write the calibration, the fitted scenario and the blind review page beside the
    records; returns them (`Evidence`: calibration rows, fitted scenario dict, page path)."""
    import json as _json

    from estimator.pilot.evidence import write_evidence

    prompts = {}
    for p in pairs:
        title = p.sample.id if p.sample.given_id else f"at line {p.sample.line}"
        prompts[p.prompt_id] = (title, p.sample.text or _json.dumps(p.body["messages"]))
    return write_evidence(scenario, catalog, ledger, prompts, Path(directory))


def grade(directory: str | Path, grades: str | Path, data: dict[str, Any]) -> Any:
    """Counted error rates from the review page's export, set in (a copy of) the scenario
    data: `(rates, graded data)`. Strategies a pilot cannot send keep their own rates."""
    import copy

    from estimator.pilot.bodies import piloted
    from estimator.pilot.grade import counted, with_rates
    from estimator.scenario.io import validate_scenario

    scenario = validate_scenario(data, "the scenario")
    sent = {s.name for s in scenario.strategies if piloted(s)}
    rates = counted(Path(directory), Path(grades))
    return rates, with_rates(copy.deepcopy(data), rates, sent)


def report(result: Estimate) -> str:
    """The estimate as one self-contained HTML page (inline CSS, SVG and script; opens
    offline). `fusion-cost report` writes it to reports/<scenario>.html."""
    html = render(result, "html")  # the registry's html renderer
    assert isinstance(html, str)
    return html
