"""The `fusion-cost` command line: argument parsing only; each command's work is imported lazily.

Keeping heavy imports (pandas, httpx, pydantic) out of this module keeps `--help` instant.
Errors the user can fix become one line on stderr and an exit code (2 bad input or usage,
3 pricing unavailable); anything unexpected is one line and exit 4 (the traceback only with
`--debug`). Exit 1 means a policy failed and nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from estimator import __version__
from estimator.defaults import MAX_CATALOG_AGE_DAYS
from estimator.errors import FusionCostError
from estimator.links import CI_DOCS, ISSUES, SCENARIO_DOCS
from estimator.pricing.endpoint import BASE_URL_VARIABLE, DEFAULT_BASE_URL
from estimator.pricing.secrets import API_KEY_VARIABLE, Secrets, strip_userinfo

DEFAULT_MAX_AGE_DAYS = MAX_CATALOG_AGE_DAYS
REPORT_URL = ISSUES
MAX_NUMBER = 1e15  # numeric flags above this are no real workload (and overflow floats)
MAX_SAMPLES = 1_000_000  # Monte Carlo requests per strategy (memory grows with it)
MAX_ERROR_CHARS = 2000

MAIN_EPILOG = """\
examples:
  fusion-cost prices show anthropic/claude-opus-5 openai/gpt-5.4-mini
  fusion-cost prices show '~anthropic/*' --format json
  fusion-cost prices refresh                # fetch today's prices (the only command that fetches)
  fusion-cost report                        # HTML report of the built-in example (offline)
  fusion-cost estimate                      # price the built-in example scenario
  fusion-cost estimate my-scenario.yaml --format json
  fusion-cost replay activity.csv           # what a real log would have cost (DuckDB, Spark)
  fusion-cost sql --dialect bigquery        # the same for a warehouse table: run this query there

exit codes: 0 ok, 1 a policy or budget check failed (and nothing else), 2 bad input or usage,
3 pricing unavailable, 4 an internal error (add --debug for the traceback and report it).
Prices come from the cached catalog (see `fusion-cost prices --help`); commands never fetch
unless asked, so CI runs are reproducible.
"""

PRICES_EPILOG = """\
where catalogs live (first match wins):
  --cache-dir DIR  >  $FUSION_COST_CACHE_DIR  >  ./pricing_cache/ (if present)
  >  the user cache dir  >  the snapshot bundled with fusion-cost (read-only)
`refresh` and `import` write to the first writable one. Writes are atomic and locked.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


class UsageError(Exception):
    """A command line argparse refused: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to look (not a usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


if TYPE_CHECKING:  # generic only to the type checker (argparse's class is not subscriptable)
    Subcommands = argparse._SubParsersAction[_Parser]  # what `add_subparsers` returns here


class _Gone(argparse.Action):
    """A flag that no longer exists: refused with a pointer to what replaced it."""

    def __init__(self, *args: Any, pointer: str = "", **kwargs: Any) -> None:
        self.pointer = pointer
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(*args, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        raise UsageError(f"{option} is gone: {self.pointer}")


def number(kind: str, low: float = 0.0, high: float = MAX_NUMBER, whole: bool = False) -> Any:
    """An argparse type: a finite number in [low, high] (whole when `whole`)."""

    def parse(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
            raise argparse.ArgumentTypeError(f"expected {kind} {_span(low, high)}, got {text!r}")
        return int(value) if whole else value

    parse.__name__ = kind  # argparse names the type in its messages
    return parse


def _span(low: float, high: float) -> str:
    shown = f"{low:,g}" if low != int(low) else f"{int(low):,}"
    if high >= MAX_NUMBER:
        return f"of {shown} or more"
    return f"from {shown} to {high:,g}" if high != int(high) else f"from {shown} to {int(high):,}"


SECONDS = number("a number of seconds", low=0.001, high=86_400)
USD = number("an amount in USD")
COUNT = number("a count", high=MAX_NUMBER)


def _catalog_options() -> _Parser:
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("catalog")
    group.add_argument("--cache-dir", metavar="DIR", help="read (and write) catalogs in DIR")
    group.add_argument(
        "--max-age-days",
        type=number("a number of days (the flag, or $FUSION_COST_MAX_AGE_DAYS)"),
        metavar="DAYS",
        # a string default goes through DAYS at parse time: a bad env value is a usage error
        # (and `--help` still works, since it exits before defaults are converted)
        default=os.environ.get("FUSION_COST_MAX_AGE_DAYS", str(DEFAULT_MAX_AGE_DAYS)),
        help="warn when the catalog is older than this (default %(default)s; "
        "env FUSION_COST_MAX_AGE_DAYS); with a price lock, counted from its review",
    )
    group.add_argument(
        "--lock",
        metavar="FILE",
        help="price with the catalog this reviewed lock names (default: fusion-cost.lock beside "
        "the scenario, else here; env FUSION_COST_LOCK)",
    )
    group.add_argument(
        "--no-lock", action="store_true", help="ignore any fusion-cost.lock (use the cache)"
    )
    return parent


OUTPUT_HELP = "write to FILE instead of stdout (replaced atomically; devices written in place)"


def _output_options(parser: argparse.ArgumentParser, document: str) -> None:
    """--format (the choices of `document` in the output registry) and -o/--output."""
    from estimator.renderers.registry import choices, help_text

    names = choices(document)
    parser.add_argument("--format", choices=names, default=names[0], help=help_text(document))
    parser.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)


def _add_prices(sub: Subcommands, catalog: _Parser) -> None:
    prices = sub.add_parser(
        "prices",
        help="show, refresh, import and diff the pricing catalog",
        description="The pricing catalog: OpenRouter's per-model token prices.",
        epilog=PRICES_EPILOG,
        formatter_class=_Formatter,
    )
    actions = prices.add_subparsers(dest="action", metavar="ACTION", required=True)
    _add_prices_show(actions, catalog)
    _add_prices_refresh(actions, catalog)
    _add_prices_import(actions, catalog)
    _add_prices_diff(actions, catalog)
    _add_prices_lock(actions, catalog)


def _add_prices_lock(actions: Subcommands, catalog: _Parser) -> None:
    lock = actions.add_parser(
        "lock",
        parents=[catalog],
        help="lock the catalog you reviewed: commands then price with exactly it",
        description="Write fusion-cost.lock (or --lock FILE): the catalog file to price with, "
        "the sha256 of its bytes, its fetch date and source, and who reviewed it when. "
        "estimate, report, check and replay then use that catalog, refuse one that does not "
        "match (exit 3), and count the catalog's age from the review. A catalog outside the "
        "lock's directory (the user cache, the bundled snapshot) is copied to "
        "pricing_cache/catalog.json beside the lock first, so the lock can be committed.",
        epilog="examples:\n  fusion-cost prices refresh --cache-dir pricing_cache\n"
        "  fusion-cost prices diff --cache-dir pricing_cache     # review what moved\n"
        "  fusion-cost prices lock --cache-dir pricing_cache --reviewed-by alice",
        formatter_class=_Formatter,
    )
    lock.add_argument("--reviewed-by", metavar="NAME", help="who reviewed these prices")
    lock.set_defaults(handler="estimator.commands.prices:lock")


def _add_prices_show(actions: Subcommands, catalog: _Parser) -> None:
    show = actions.add_parser(
        "show",
        parents=[catalog],
        help="prices per 1M tokens, limits, tiers and time windows of models",
        description="Show prices (USD per 1M tokens; per request/search where set), context "
        "and completion limits, long-context tiers, time-of-day windows and alias resolution.",
        epilog="examples:\n  fusion-cost prices show anthropic/claude-opus-5\n"
        "  fusion-cost prices show '~*-latest' 'openai/gpt-5*' --format csv",
        formatter_class=_Formatter,
    )
    show.add_argument(
        "models", nargs="*", metavar="MODEL|GLOB", help="ids, slugs, aliases or globs"
    )
    _output_options(show, "prices")
    show.set_defaults(handler="estimator.commands.prices:show")


def _add_prices_refresh(actions: Subcommands, catalog: _Parser) -> None:
    refresh = actions.add_parser(
        "refresh",
        parents=[catalog],
        help="fetch the live catalog from the models API into the cache",
        description="Fetch GET {base-url}/models?output_modalities=all (all pages), validate it "
        "and store it atomically. An unchanged catalog costs one 304 round trip. Sends "
        "$OPENROUTER_API_KEY as a bearer token when set (never stored).",
        formatter_class=_Formatter,
    )
    refresh.add_argument(
        "--base-url",
        default=None,  # resolved by the command, which names where a bad value came from
        help=f"API base URL (default {_shown_default_base_url()}; env {BASE_URL_VARIABLE})",
    )
    refresh.add_argument(
        "--force",
        action="store_true",
        help="fetch unconditionally and accept a catalog that shrank by more than half",
    )
    refresh.add_argument(
        "--timeout",
        type=SECONDS,
        default=120.0,
        metavar="S",
        help="give up after S seconds in all, retries included (default %(default)g)",
    )
    refresh.add_argument(
        "--connect-timeout",
        type=SECONDS,
        default=10.0,
        metavar="S",
        help="connect timeout per attempt (default %(default)g)",
    )
    refresh.add_argument(
        "--read-timeout",
        type=SECONDS,
        default=30.0,
        metavar="S",
        help="read timeout per attempt (default %(default)g)",
    )
    refresh.add_argument(
        "--retries",
        type=number("a whole number of retries", high=100, whole=True),
        default=4,
        metavar="N",
        help="retries on connection errors, 429 and 5xx (default %(default)d)",
    )
    _propose_options(refresh)
    refresh.set_defaults(handler="estimator.commands.prices:refresh")


def _propose_options(refresh: argparse.ArgumentParser) -> None:
    propose = refresh.add_argument_group("a pull request of the refresh (--propose)")
    propose.add_argument(
        "--propose",
        action="store_true",
        help="after refreshing, write a pull request body: the price changes of the models "
        "your scenarios use, each scenario's monthly delta per strategy, the policies and "
        "verdicts that flip; and update fusion-cost.lock (merging the PR is the review)",
    )
    propose.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        default=[],
        metavar="FILE",
        help="a scenario the proposal prices (repeatable; default: every scenario file below "
        "the lock's directory, or here)",
    )
    _output_options(refresh, "proposal")


def _add_prices_import(actions: Subcommands, catalog: _Parser) -> None:
    imp = actions.add_parser(
        "import",
        parents=[catalog],
        help="import a saved models-API payload (JSON file) into the cache",
        description="Validate a saved `/api/v1/models` response (or a fusion-cost catalog file) "
        "and store it as the current catalog, exactly like a refresh.",
        epilog="example:\n  fusion-cost prices import openrouter-models-2026-08-19.json "
        "--cache-dir pricing_cache",
        formatter_class=_Formatter,
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--fetched-at",
        metavar="DATE",
        help="when the payload was fetched (ISO date; default: the date in the "
        "file name, else its modification time)",
    )
    imp.add_argument("--source", help="where the payload came from (recorded in the metadata)")
    imp.add_argument(
        "--force", action="store_true", help="accept a catalog that shrank by more than half"
    )
    imp.set_defaults(handler="estimator.commands.prices:import_")


def _add_prices_diff(actions: Subcommands, catalog: _Parser) -> None:
    diff = actions.add_parser(
        "diff",
        parents=[catalog],
        help="models added and removed, prices changed between two catalogs",
        description="Compare two catalogs (default: the two newest in the cache's history).",
        formatter_class=_Formatter,
    )
    diff.add_argument("files", nargs="*", metavar="OLD NEW", help="two catalog or payload files")
    _output_options(diff, "prices-diff")
    diff.set_defaults(handler="estimator.commands.prices:diff")


ESTIMATE_EPILOG = """\
examples:
  fusion-cost estimate                                   # the built-in example scenario
  fusion-cost estimate scenario.yaml --format json > estimate.json
  fusion-cost estimate --requests-per-month 200000 --input-tokens 2000:6000 \\
      --output-tokens 500 --single openai/gpt-5.4-mini --fusion general-high --auto medium

Token flags take MEAN or MEAN:P95 (a lognormal). Workload flags override the file's values;
strategy flags add strategies. Scenario fields and defaults: SCENARIO_DOCS
(or `fusion-cost init` for an annotated one).
""".replace("SCENARIO_DOCS", SCENARIO_DOCS)


def _strategy_flags(group: Any) -> None:
    """--single / --auto / --fusion: strategies without a scenario file (repeatable)."""
    group.add_argument(
        "--single",
        action="append",
        metavar="MODEL",
        default=[],
        help="add a single-model strategy (repeatable)",
    )
    group.add_argument(
        "--auto",
        action="append",
        metavar="TIER",
        default=[],
        help="add an Auto Router strategy: low|medium|high|xhigh|max",
    )
    group.add_argument(
        "--fusion",
        action="append",
        metavar="PRESET",
        default=[],
        help="add a Fusion strategy: general-high|general-budget|general-fast (repeatable: "
        "--fusion general-high --fusion general-budget compares presets)",
    )
    group.add_argument(
        "--tool-steps",
        type=number("a number of tool steps", high=64),
        metavar="N",
        help="web-tool steps per panel member, on every Fusion strategy",
    )
    group.add_argument(
        "--panel",
        action="append",
        metavar="MODEL",
        default=[],
        help="a panel member, on every Fusion strategy (repeatable; replaces the preset's)",
    )


def _workload_flags(quick: Any) -> None:
    quick.add_argument("--requests-per-month", type=COUNT, metavar="N")
    quick.add_argument("--requests-per-day", type=COUNT, metavar="N")
    quick.add_argument("--input-tokens", metavar="MEAN[:P95]", help="prompt tokens per request")
    quick.add_argument("--output-tokens", metavar="MEAN[:P95]", help="answer tokens per request")
    quick.add_argument(
        "--reasoning-tokens",
        metavar="MEAN[:P95]",
        help="reasoning tokens per call of a reasoning model",
    )
    quick.add_argument(
        "--prompts",
        metavar="FILE",
        help="count prompt (and answer) tokens from samples: JSONL with prompt or messages "
        "(and answer), or text with one prompt per line; offline, o200k tokenizer",
    )
    quick.add_argument(
        "--cached-share",
        type=number("a share", high=1.0),
        metavar="S",
        help="share of input tokens billed at the cache-read price (0-1)",
    )


def _decision_flags(group: Any) -> None:
    group.add_argument(
        "--cost-per-error",
        type=number("a cost in USD"),
        metavar="USD",
        help="what one wrong answer costs (decision.cost_per_error_usd)",
    )
    group.add_argument(
        "--error-rate",
        action="append",
        metavar="NAME=RATE",
        default=[],
        help="a strategy's error rate, 0-1 or WRONG/OF graded answers (repeatable; give one "
        "for every strategy)",
    )
    group.add_argument(
        "--budget",
        type=number("a monthly budget in USD"),
        metavar="USD",
        help="monthly budget the verdict respects (decision.monthly_budget_usd)",
    )


def _scenario_options(parser: argparse.ArgumentParser, baseline_flag: str = "--baseline") -> None:
    parser.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="scenario file (YAML or JSON); default: the built-in example",
    )
    quick = parser.add_argument_group("quick scenario (no file needed)")
    quick.add_argument("--name", help="scenario name")
    quick.add_argument(
        "--workload-from",
        metavar="LOG|PROFILE",
        help="take the workload from an activity log or a replay profile YAML",
    )
    _workload_flags(quick)
    _strategy_flags(quick)
    _decision_flags(quick)
    names = ["--baseline-strategy"] + (
        [baseline_flag] if baseline_flag != "--baseline-strategy" else []
    )
    quick.add_argument(
        *names,
        dest="baseline_strategy",
        metavar="NAME",
        help="the strategy others are compared with"
        + (
            ""
            if len(names) == 1
            else " (--baseline is its short alias here; in check, --baseline is the baseline file)"
        ),
    )
    run = parser.add_argument_group("estimation")
    run.add_argument(
        "--samples",
        type=number("a whole number of samples", low=1, high=MAX_SAMPLES, whole=True),
        metavar="N",
        help=f"Monte Carlo requests per strategy (default 20000, at most {MAX_SAMPLES:,})",
    )
    run.add_argument(
        "--seed",
        type=number("a whole seed", high=MAX_NUMBER, whole=True),
        metavar="N",
        help="Monte Carlo seed (a whole number from 0)",
    )
    run.add_argument(
        "--months",
        type=number("a whole number of months", low=1, high=120, whole=True),
        metavar="N",
        help="projection months (default 12, 1-120)",
    )


def _add_estimate(sub: Subcommands, catalog: _Parser) -> None:
    estimate = sub.add_parser(
        "estimate",
        parents=[catalog],
        help="price a scenario: single models, Auto Router and Fusion, per request and month",
        description="Expand each strategy into the calls OpenRouter bills (Fusion: decide, "
        "panel with web tools, analyze, answer), price them exactly against the catalog and "
        "project them over a month of traffic.",
        epilog=ESTIMATE_EPILOG,
        formatter_class=_Formatter,
    )
    _scenario_options(estimate)
    _output_options(estimate, "estimate")
    estimate.set_defaults(handler="estimator.commands.estimate:run")


def _add_report(sub: Subcommands, catalog: _Parser) -> None:
    report = sub.add_parser(
        "report",
        parents=[catalog],
        help="write a self-contained HTML report (charts, verdict, what-if controls)",
        description="Estimate a scenario and write one self-contained HTML page a manager can "
        "open offline: verdict, cost comparison, where Fusion's money goes, projection, "
        "decision, sensitivity, context limits, evidence and method.",
        epilog="examples:\n  fusion-cost report                         # built-in example -> "
        "reports/<name>.html\n  fusion-cost report scenario.yaml -o review.html\n"
        "  fusion-cost report scenario.yaml -o review.html --pdf --paper letter\n"
        "  fusion-cost report --fusion general-high --fusion general-budget \\\n"
        "      --requests-per-month 10000 --input-tokens 2000 --output-tokens 500"
        "   # compare presets",
        formatter_class=_Formatter,
    )
    _scenario_options(report)
    report.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to write (default reports/<scenario-slug>.html)",
    )
    report.add_argument(
        "--pdf",
        nargs="?",
        const="",
        metavar="FILE",
        help="also print the page to PDF through an installed Chromium (default: the HTML's "
        "path with .pdf); needs `pip install 'fusion-cost[pdf]'` and Chromium",
    )
    report.add_argument(
        "--paper",
        choices=["a4", "letter"],
        default="a4",
        help="PDF paper size (default a4)",
    )
    report.set_defaults(handler="estimator.commands.report:run")


CHECK_EPILOG = """\
examples:
  fusion-cost check scenario.yaml --budget 5000
  fusion-cost estimate scenario.yaml --format json > base.json     # on the main branch
  fusion-cost check scenario.yaml --baseline base.json --format github --output comment.md

exit codes: 0 all policies pass, 1 a policy failed (0 with --warn-only), 2 bad input,
3 pricing unavailable. The output is written before the exit code reports the result.
When $GITHUB_STEP_SUMMARY is set, the markdown summary is appended to it.
Policies come from the scenario's `policy:` section; flags override it. See CI_DOCS
""".replace("CI_DOCS", CI_DOCS)


def _add_check(sub: Subcommands, catalog: _Parser) -> None:
    check = sub.add_parser(
        "check",
        parents=[catalog],
        help="CI gate: fail when projected spend breaks the policy (budget, increase...)",
        description="Estimate a scenario, compare it with a baseline estimate from the main "
        "branch, and check the policy: monthly budget, cost per request, increase in % and "
        "USD, multiplier over the baseline strategy, dynamic prices, context overflows, "
        "catalog age.",
        epilog=CHECK_EPILOG,
        formatter_class=_Formatter,
    )
    _scenario_options(check, baseline_flag="--baseline-strategy")
    gates = check.add_argument_group(
        "policy (overrides the scenario's policy: section; the monthly budget is --budget: the "
        "decision's, and the check's unless policy: sets its own)"
    )
    gates.add_argument(
        "--budget-monthly",
        action=_Gone,
        nargs="?",
        pointer="use --budget USD, the monthly budget of the verdict and of the check "
        "(policy.monthly_budget_usd in the scenario, when set, is the check's own)",
    )
    gates.add_argument("--max-per-request", type=USD, metavar="USD")
    gates.add_argument(
        "--max-p95-request",
        type=USD,
        metavar="USD",
        help="largest p95 cost of one request (a tail policy)",
    )
    gates.add_argument(
        "--max-increase-pct",
        type=number("a percentage", low=-100, high=MAX_NUMBER),
        metavar="P",
        help="largest monthly increase against the baseline file, in percent",
    )
    gates.add_argument(
        "--max-increase-usd", type=number("an amount in USD", low=-MAX_NUMBER), metavar="USD"
    )
    gates.add_argument(
        "--max-multiplier",
        type=number("a multiplier"),
        metavar="X",
        help="largest cost multiplier over the scenario's baseline strategy",
    )
    check.add_argument(
        "--baseline",
        dest="baseline_file",
        metavar="BASE.json",
        help="the JSON of `fusion-cost estimate --format json` from the main branch",
    )
    _check_baseline_options(check)
    _output_options(check, "check")
    check.add_argument("--warn-only", action="store_true", help="report failures but exit 0")
    check.set_defaults(handler="estimator.commands.check:run")


def _check_baseline_options(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--allow-other-scenario",
        action="store_true",
        help="compare with a baseline of another scenario (refused by default: a different "
        "name, or no strategy in common)",
    )
    check.add_argument(
        "--comment-on",
        choices=["always", "change"],
        default="always",
        help="markdown/github output: `change` writes no comment when nothing moved (money, "
        "inputs, verdict) and every policy passes (default always)",
    )


REPLAY_EPILOG = """\
examples:
  fusion-cost replay activity.csv                       # the example scenario's strategies
  fusion-cost replay activity.csv.gz --single openai/gpt-5.4-mini --fusion general-high
  fusion-cost replay log.jsonl --columns tokens_prompt=in,tokens_completion=out,model=model
  fusion-cost replay activity.csv --profile-out workload.yaml
  fusion-cost replay activity.parquet --group-by user,app_name --focus-out focus.csv
  fusion-cost replay --stats stats.csv --strategies scenario.yaml   # a warehouse's result
  fusion-cost report scenario.yaml --workload-from workload.yaml

Input: OpenRouter's activity CSV (columns created_at, model_permaslug, tokens_prompt,
tokens_completion, tokens_reasoning, tokens_cached, cost_total, ...), CSV/JSONL/Parquet with
--columns NAME=COLUMN, or JSONL of API responses (usage records) or of /api/v1/generation
records (detected from the first line); .gz accepted. Streamed in chunks; bad rows are counted
and skipped, and so is a line longer than 1 MiB (JSONL) or 8 MiB (CSV), unread. Dates become
UTC: ISO 8601 with any offset (none: UTC), Parquet timestamps (no zone: UTC), epoch seconds,
ms, us or ns (told apart by their number of digits). Bills' conventions: completion tokens
include reasoning, prompt tokens include cached and written tokens.
"""


def _add_replay(sub: Subcommands, catalog: _Parser) -> None:
    replay = sub.add_parser(
        "replay",
        parents=[catalog],
        help="reprice a real activity log under Fusion, the Auto Router and single models",
        description="What would this traffic have cost under each strategy? Reprices every "
        "request with its own tokens and hour, calibrates against the log's own costs and "
        "profiles the workload.",
        epilog=REPLAY_EPILOG,
        formatter_class=_Formatter,
    )
    replay.add_argument(
        "log", metavar="LOG", nargs="?", help="activity log (.csv, .jsonl, .parquet, .gz)"
    )
    replay.add_argument(
        "--strategies", metavar="SCENARIO", help="take the strategies from this scenario file"
    )
    _strategy_flags(replay)
    replay.add_argument(
        "--columns",
        metavar="MAP",
        help="column mapping NAME=COLUMN,... (NAME: created_at, model, "
        "tokens_prompt, tokens_completion, tokens_reasoning, tokens_cached, "
        "cost_total, ...)",
    )
    replay.add_argument("--since", metavar="DATE", help="first day to include (UTC)")
    replay.add_argument("--until", metavar="DATE", help="last day to include (UTC)")
    replay.add_argument(
        "--profile-out",
        metavar="FILE",
        help="write the observed workload (tokens, volume, hours, model mix)",
    )
    replay.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="FILE",
        help="an older catalog (or models-API payload with a date in its name) to price rows "
        "of its time with (repeatable); the cache's history is used too",
    )
    replay.add_argument(
        "--no-history",
        action="store_true",
        help="price every row with the current catalog, not the one in force at its date",
    )
    replay.add_argument(
        "--rows-out",
        metavar="FILE",
        help="write one CSV line per row: logged and repriced token cost, what was separated, "
        "the cause of a difference",
    )
    _replay_engine_options(replay)
    _output_options(replay, "replay")
    replay.set_defaults(handler="estimator.commands.replay:run")


def _replay_engine_options(replay: argparse.ArgumentParser) -> None:
    """Where the log is read, and what else comes out of it (the engines are named once, in
    logs.run.ENGINES: it is not imported here, to keep --help fast)."""
    replay.add_argument(
        "--engine",
        choices=("duckdb", "python", "spark"),
        default="duckdb",
        help="who reads the log: duckdb (embedded, default), python (the streaming reader, "
        "aggregated by DuckDB) or spark (an active session, SPARK_REMOTE, else local mode)",
    )
    replay.add_argument(
        "--stats",
        metavar="FILE",
        help="replay the statistics your warehouse computed with the query of `fusion-cost "
        "sql` (CSV or Parquet) instead of a log",
    )
    replay.add_argument(
        "--group-by",
        metavar="COLUMNS",
        help="attribution: each value of these log columns (comma-separated, e.g. "
        "user,app_name,api_key_name) gets its logged cost and each strategy's",
    )
    replay.add_argument(
        "--focus-out",
        metavar="FILE",
        help="write FinOps FOCUS rows (day grain, exact decimals): the log as billed and "
        "each strategy as a counterfactual (x_Strategy)",
    )


SQL_EPILOG = """\
examples:
  fusion-cost sql --dialect bigquery --strategies scenario.yaml --out warehouse/
  fusion-cost sql --dialect clickhouse --table broadcast --columns model=model_slug > q.sql
  fusion-cost sql --verify activity.csv --strategies scenario.yaml     # here, against Decimal
  fusion-cost replay --stats result.csv --strategies scenario.yaml     # the warehouse's result

The query reads your table of activity rows (OpenRouter's export column names unless mapped
with --columns; typed columns, or --text for a table of strings) and joins `bands`, the price
bands of the catalog (--out writes bands.csv, bands.parquet and their DDL bands.sql): one row
per band, never one CASE per model. Exact types per dialect: prices DECIMAL(38, 18) per
million tokens (BigQuery BIGNUMERIC; Spark: allowPrecisionLoss=false). Its result holds counts
and token sums per strategy cell, price band and day: no prompt, no user id (unless you
--group-by one), a few hundred rows that replay offline.
"""


def _add_sql(sub: Subcommands, catalog: _Parser) -> None:
    sql = sub.add_parser(
        "sql",
        parents=[catalog],
        help="the price-band table and the statistics query for your warehouse",
        description="Replay where the logs live: print (or --out write) the query that "
        "reduces a warehouse table of activity rows to the statistics `replay --stats` "
        "reprices, with the price-band table it joins; or --verify it here on a log.",
        epilog=SQL_EPILOG,
        formatter_class=_Formatter,
    )
    sql.add_argument(
        "--dialect",
        choices=("duckdb", "spark", "clickhouse", "bigquery", "snowflake"),
        default="duckdb",
        help="the warehouse's SQL (default duckdb)",
    )
    sql.add_argument(
        "--table", default="openrouter_broadcast", help="the log table (default %(default)s)"
    )
    sql.add_argument("--strategies", metavar="SCENARIO", help="the strategies of this scenario")
    _strategy_flags(sql)
    sql.add_argument("--columns", metavar="MAP", help="column mapping NAME=COLUMN,... (added)")
    sql.add_argument("--without", metavar="NAMES", help="columns the table does not have")
    sql.add_argument(
        "--text", action="store_true", help="the table's columns are text (CSV on S3, ...)"
    )
    sql.add_argument("--group-by", metavar="COLUMNS", help="attribution columns, as replay's")
    sql.add_argument("--since", metavar="DATE", help="first day to include (UTC)")
    sql.add_argument("--until", metavar="DATE", help="last day to include (UTC)")
    sql.add_argument(
        "--out", metavar="DIR", help="write aggregate.sql, rows.sql, bands.sql/.csv/.parquet"
    )
    sql.add_argument(
        "--verify",
        metavar="LOG",
        help="run the SQL in embedded DuckDB on LOG and compare with the Decimal path "
        "(exit 1 if anything differs)",
    )
    sql.add_argument(
        "--sample",
        type=int,
        default=20_000,
        metavar="N",
        help="--verify the first N rows (0: all; default %(default)s)",
    )
    sql.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)
    sql.set_defaults(handler="estimator.commands.sql:run")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fusion-cost",
        description="What OpenRouter Fusion will cost you, against the Auto Router and single "
        "models, and whether the extra money buys enough.",
        epilog=MAIN_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"fusion-cost {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        default=bool(os.environ.get("FUSION_COST_DEBUG")),
        help="print the traceback of an internal error (env FUSION_COST_DEBUG=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    catalog = _catalog_options()
    _add_prices(sub, catalog)
    _add_estimate(sub, catalog)
    _add_report(sub, catalog)
    _add_check(sub, catalog)
    _add_replay(sub, catalog)
    _add_sql(sub, catalog)
    _add_presets(sub, catalog)
    _add_init(sub)
    _add_pilot(sub, catalog)
    _add_grade(sub)
    return parser


PILOT_EPILOG = """\
examples:
  fusion-cost pilot prompts.jsonl --scenario cost/scenario.yaml --max-spend 2 --dry-run
  fusion-cost pilot prompts.jsonl --scenario cost/scenario.yaml --max-spend 2 --sample 30
  fusion-cost grade pilot/ grades.json && fusion-cost report pilot/graded-scenario.yaml

Every call carries max_tokens; before each call its worst case (the whole body as sent,
every token at its dearest price, fees, 5% for BYOK) must fit what is left of --max-spend.
A rerun resumes and never pays twice for a pair. A bill above its worst case, or through
your own provider key, stops the pilot until you say so (--accept-over-bound, --allow-byok).
"""


def _add_pilot(sub: Subcommands, catalog: _Parser) -> None:
    pilot = sub.add_parser(
        "pilot",
        parents=[catalog],
        help="run the scenario's strategies on your own prompts, under a hard spend cap",
        description="Send each prompt to each strategy of the scenario through OpenRouter "
        "($OPENROUTER_API_KEY), keep every call as a record, and write a calibration, a "
        "fitted scenario and a blind review page.",
        epilog=PILOT_EPILOG,
        formatter_class=_Formatter,
    )
    pilot.add_argument("prompts", metavar="PROMPTS", help="JSONL (prompt or messages) or text")
    pilot.add_argument("--scenario", required=True, metavar="FILE", help="the strategies to run")
    pilot.add_argument(
        "--max-spend",
        required=True,
        type=number("a spend cap in USD"),
        metavar="USD",
        help="the most the whole pilot may cost (reruns included)",
    )
    pilot.add_argument(
        "--sample",
        type=number("a number of prompts", low=1, whole=True),
        metavar="N",
        help="a seeded random sample of N prompts",
    )
    pilot.add_argument(
        "--concurrency",
        type=number("a number of calls", low=1, high=32, whole=True),
        default=4,
        metavar="K",
        help="calls in flight at once (default 4)",
    )
    pilot.add_argument(
        "--max-tokens",
        type=number("a number of tokens", low=1, high=10**6, whole=True),
        metavar="N",
        help="every call's max_tokens (default: the scenario's answer p95)",
    )
    pilot.add_argument("--out", default="pilot", metavar="DIR", help="records (default pilot/)")
    pilot.add_argument("--dry-run", action="store_true", help="print the bodies and worst case")
    _pilot_safety(pilot)
    pilot.add_argument(
        "--timeout",
        type=number("seconds", low=1, high=3600),
        default=300.0,
        metavar="S",
        help="the most one call may take, retries and a slow answer included (default 300: "
        "Fusion takes minutes)",
    )
    pilot.add_argument(
        "--base-url",
        metavar="URL",
        help="the API's base URL (default $FUSION_COST_BASE_URL, else OpenRouter)",
    )
    pilot.set_defaults(handler="estimator.commands.pilot:run")


def _pilot_safety(pilot: argparse.ArgumentParser) -> None:
    """The flags that let a pilot go on past what stops it: nothing is allowed silently."""
    pilot.add_argument(
        "--retry-in-doubt",
        action="store_true",
        help="send again the calls a killed run left unfinished (they may have been billed)",
    )
    pilot.add_argument(
        "--accept-over-bound",
        action="store_true",
        help="go on after a call was billed above its worst case (later calls of its strategy "
        "are bounded that much higher)",
    )
    pilot.add_argument(
        "--allow-byok",
        action="store_true",
        help="go on when calls are billed through your own provider key (the provider's bill "
        "counts, assumed at most the list price)",
    )
    pilot.add_argument(
        "--allow-stale",
        action="store_true",
        help="bound calls on a catalog older than --max-age-days (bounds then doubled)",
    )


def _add_grade(sub: Subcommands) -> None:
    grade = sub.add_parser(
        "grade",
        help="turn the review page's grades into counted error rates in the scenario",
        description="Join the review page's export with its key: wrong / of per strategy, "
        "written into the scenario as decision.error_rate.",
        formatter_class=_Formatter,
    )
    grade.add_argument("directory", metavar="DIR", help="the pilot's --out directory")
    grade.add_argument("grades", metavar="GRADES", help="grades.json exported by the page")
    grade.add_argument("--scenario", metavar="FILE", help="default: DIR/fitted-scenario.yaml")
    grade.add_argument("-o", "--output", metavar="FILE", help="default: DIR/graded-scenario.yaml")
    grade.set_defaults(handler="estimator.commands.pilot:grade")


def _add_presets(sub: Subcommands, catalog: _Parser) -> None:
    presets = sub.add_parser(
        "presets",
        parents=[catalog],
        help="Fusion presets (members, what they resolve to today, cost) and Auto Router pools",
        description="Each Fusion preset's panel and analyst as the preset names them and as "
        "they resolve in the catalog today, where the members come from, and the preset's cost "
        "on a workload; with --pool, the Auto Router pool of a cost tier.",
        epilog="examples:\n  fusion-cost presets\n  fusion-cost presets general-high "
        "--input-tokens 8000 --output-tokens 800\n  fusion-cost presets --pool medium "
        "--pool high",
        formatter_class=_Formatter,
    )
    presets.add_argument(
        "preset",
        nargs="*",
        metavar="PRESET",
        help="presets to show (general-high|general-budget|general-fast; default all)",
    )
    presets.add_argument(
        "--pool",
        action="append",
        default=[],
        metavar="TIER",
        help="show the Auto Router pool of a tier (low|medium|high|xhigh|max; repeatable)",
    )
    workload = presets.add_argument_group("workload the costs are for (default 10,000 x 2,000/500)")
    _workload_flags(workload)
    _output_options(presets, "presets")
    presets.set_defaults(handler="estimator.commands.presets:run")


def _add_init(sub: Subcommands) -> None:
    init = sub.add_parser(
        "init",
        help="write an annotated scenario file to edit",
        description="Write a scenario template to edit: a workload, three strategies to "
        "compare, and every decision, policy and billing field annotated in place (the "
        "optional ones commented out at their defaults).",
        epilog="examples:\n  fusion-cost init cost/scenario.yaml\n  fusion-cost init - | less",
        formatter_class=_Formatter,
    )
    init.add_argument("file", nargs="?", metavar="FILE", help="where to write (default: stdout)")
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    init.set_defaults(handler="estimator.commands.init:run")


def _shown_default_base_url() -> str:
    """The default for --help: never with credentials, never with `%` unescaped."""
    default = os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL
    return strip_userinfo(default).replace("%", "%%")


def _refuse_nul(args: argparse.Namespace) -> None:
    """No argument holds a NUL byte (the system refuses it in every path and name)."""
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"argument {flag}: holds a NUL byte")


def _handler(path: str):  # type: ignore[no-untyped-def]
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (so tests can call it in-process)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments or bool(os.environ.get("FUSION_COST_DEBUG"))
    arguments = [a for a in arguments if a != "--debug"]  # a global switch, allowed anywhere
    try:
        args = build_parser().parse_args(arguments)
        _refuse_nul(args)
        return int(_handler(args.handler)(args) or 0)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        _error(str(exc), arguments)
        return 2
    except FusionCostError as exc:
        _error(str(exc), arguments)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fusion-cost: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path the user gave that the system refuses (too long, a loop...)
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}", arguments)
        return 2
    except MemoryError:
        _error("out of memory (a smaller input, --samples or --rows may help)", arguments)
        return 4
    except Exception as exc:  # the contract: one line and exit 4, never a traceback and exit 1
        if debug:
            import traceback

            traceback.print_exc()
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _error(
            f"internal error ({detail}); please report it at {REPORT_URL} with what you ran "
            "and the output of the same command with --debug",
            arguments,
        )
        return 4


def _error(message: str, arguments: Sequence[str] = ()) -> None:
    """One line on stderr: no terminal control sequences (messages quote file contents and
    names), and never a secret, however it got into the message (redacted in every
    encoding): the API key, and credentials in any URL of the command line or environment."""
    from estimator.renderers.safe import plain_text

    urls = [a for a in arguments if "@" in a] + [os.environ.get(BASE_URL_VARIABLE)]
    redacted = Secrets.of(os.environ.get(API_KEY_VARIABLE), *urls).redact(message)
    line = " ".join(plain_text(redacted).split())
    if len(line) > MAX_ERROR_CHARS:  # a message quoting a 5 MB name is not one line to read
        line = line[: MAX_ERROR_CHARS - 1] + "…"
    print(f"fusion-cost: error: {line}", file=sys.stderr)
