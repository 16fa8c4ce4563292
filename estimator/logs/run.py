"""`replay`: reprice a real log under each strategy, calibrate it against its bill, profile it.

An engine (`engines/`: DuckDB embedded by default, Spark, or the python reader feeding
DuckDB) reduces the log to sufficient statistics and hands back the few rows that need the
per-row path (summary.py says what each becomes):
- every request (a row, except Fusion traffic) is repriced under each strategy with its own
  tokens and minute, exactly, from the token sums of the cells where the strategy's cost is
  affine (Fusion and the Auto Router as expected cost over their branches), at today's
  catalog and fees; the Auto Router's tiers are ranked for the log's mean request;
- every row is repriced as it was billed and compared like with like (calibration.py), with
  the catalog in force at its date when the catalog history covers it;
- Fusion traffic (a Fusion response, or generations routed by openrouter/fusion, grouped by
  request id) is reported at its observed cost per request, never repriced as one plain call
  nor re-expanded into a whole Fusion;
- the workload is profiled (profile.py).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np

from estimator.clock import now_utc
from estimator.defaults import MAX_CATALOG_AGE_DAYS
from estimator.documents.replay import (
    BadRowReport,
    FusionObserved,
    ReplayResult,
    StrategyTotal,
)
from estimator.errors import UserError
from estimator.logs.attribution import group_totals, money_text
from estimator.logs.calibration import ROWS_OUT_HEADER, Calibrator
from estimator.logs.engines.bands import BandTable
from estimator.logs.engines.cells import CellPricer, cell_spec
from estimator.logs.engines.plan import Outcome, Plan
from estimator.logs.focus import write_focus
from estimator.logs.profile import profile_of
from estimator.logs.reader import (
    BLOCK_BYTES,
    CHUNK_ROWS,
    ReadStats,
    byte_size,
    parse_mapping,
)
from estimator.logs.summary import (
    LANE_KNOWN,
    Label,
    cell_classes,
    cell_parts,
    mean_request,
    prefill_calibration,
    profile_sums,
    strategies_for,
)
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import days_since_epoch
from estimator.strategies.base import Strategy

EPOCH = date(1970, 1, 1)
ENGINES = ("duckdb", "python", "spark")  # described once: the CLI's --engine reads it


def _seconds(day: date | None, after: bool = False) -> int | None:
    if day is None:
        return None
    return ((day - EPOCH).days + (1 if after else 0)) * 86400


def replay(
    log: str | Path,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    columns: str | None = None,
    since: date | None = None,
    until: date | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[ReadStats], None] | None = None,
    block_bytes: int = BLOCK_BYTES,
    history: Sequence[Catalog] = (),
    rows_out: IO[str] | None = None,
    max_age_days: float = MAX_CATALOG_AGE_DAYS,
    history_files: Sequence[Path] = (),
    engine: str = "duckdb",
    group_by: Sequence[str] = (),
    focus_out: IO[str] | None = None,
    stats: str | Path | None = None,
) -> ReplayResult:
    """Reprice every row of `log` under each strategy; calibrate and profile the log.

    `history` (catalogs) and `history_files` (catalog files, read only when a row needs one):
    older catalogs; a row is calibrated with the newest catalog fetched at or before its date.
    `rows_out`: a text stream that receives one CSV line per calibrated row. `engine`: one of
    ENGINES. `group_by`: log columns whose values each get their own totals. `focus_out`: a
    text stream for FinOps FOCUS rows. `stats`: a statistics file (the result of the query
    `fusion-cost sql` writes) replayed instead of a log (`log` then only names it).
    """
    from estimator.logs.engines.run import run_engine
    from estimator.pricing.describe import describe_catalog

    started = time.perf_counter()
    if engine not in ENGINES:
        raise UserError(f"--engine {engine!r}: expected one of {', '.join(ENGINES)}")
    writer = None
    if rows_out is not None:
        writer = csv.writer(rows_out, lineterminator="\n")
        writer.writerow([*ROWS_OUT_HEADER, *group_by])
    timeline = Timeline(catalog, history, history_files)
    plan = Plan(
        Path(log),
        catalog,
        list(strategies),
        parse_mapping(columns),
        tuple(group_by),
        timeline,
        BandTable(timeline),
        cell_spec(strategies, catalog),
        _seconds(since),
        _seconds(until, after=True),
        chunk_rows,
        block_bytes,
        writer,
        focus_out,
        Path(stats) if stats is not None else None,
    )
    calibrator = Calibrator(timeline, writer)
    outcome = run_engine(plan, engine, calibrator, progress)
    return _result(plan, outcome, calibrator, describe_catalog(catalog, max_age_days), started)


def _result(
    plan: Plan, outcome: Outcome, calibrator: Calibrator, pricing: dict[str, Any], started: float
) -> ReplayResult:
    stats = outcome.stats
    has_cost = "cost_total" in outcome.present
    classes, totals = cell_classes(stats, len(plan.cells.forms))
    if plan.rows_out is None:
        prefill_calibration(calibrator, stats, plan.bands, has_cost)
    strategies = strategies_for(plan.strategies, mean_request(totals), plan.catalog)
    priced = _strategy_totals(plan, strategies, classes, outcome, has_cost, int(totals["n"]))
    fusion = outcome.hard.fusion.result()
    sums = profile_sums(stats, totals, "tokens_cache_write" in outcome.present)
    profile, warnings = profile_of(sums, str(plan.log), fusion, set(calibrator.unknown))
    if fusion is not None:
        warnings += _fusion_warnings(fusion)
    warnings += outcome.warnings
    if plan.focus is not None:
        write_focus(plan.focus, stats, plan.bands, priced.by_label, strategies)
    total = stats.total()
    logged = float(Decimal(total.get("cost") or 0)) if has_cost else None
    return ReplayResult(
        engine=outcome.engine,
        log=str(plan.log),
        log_kind=outcome.read.kind,
        rows_read=outcome.read.rows,
        rows_used=stats.value("used"),
        rows_outside_dates=stats.value("outside"),
        bad_rows=_bad_row_report(outcome),
        unknown_models=dict(sorted(calibrator.unknown.items(), key=lambda kv: -kv[1])),
        period={
            "first": _date_of(sums.first_day),
            "last": _date_of(sums.last_day),
            "logged_cost_usd": logged,
        },
        strategies=priced.totals,
        calibration=calibrator.result(),
        fusion=fusion,
        profile=profile,
        pricing=pricing,
        groups=group_totals(plan.groups, stats, priced.by_label, has_cost),
        warnings=warnings,
        elapsed_s=round(time.perf_counter() - started, 3),
    )


@dataclass
class Priced:
    """The strategies' totals, and each one's exact cost by (lane, day, group)."""

    totals: list[StrategyTotal]
    by_label: dict[str, dict[Label, Decimal]]


def _strategy_totals(
    plan: Plan,
    strategies: Sequence[Strategy],
    classes: Any,
    outcome: Outcome,
    has_cost: bool,
    requests: int,
) -> Priced:
    """Each strategy's exact total; against the bill over the requests whose cost is logged."""
    when = now_utc()
    # a log that names its models (a statistics file: one whose cells do): reasoning is theirs
    named = "model" in outcome.present or any(model is not None for _, _, model in classes)
    forms = len(plan.cells.forms)
    known_logged = sum(
        (
            Decimal(v["cost"] or 0)
            for k, v in outcome.stats.get("cells").items()
            if cell_parts(k, forms)[2][0] == LANE_KNOWN
        ),
        Decimal(0),
    )
    base = float(known_logged) + outcome.hard.paid if has_cost else None
    priced = Priced([], {})
    for strategy in strategies:
        pricer = CellPricer(strategy, plan.catalog, plan.cells, when, named)
        by_label = pricer.totals(classes)
        priced.by_label[strategy.name] = by_label
        total = sum(by_label.values(), Decimal(0))
        known = sum((v for label, v in by_label.items() if label[0] == LANE_KNOWN), Decimal(0))
        known_usd = float(known) + outcome.hard.known_cost(
            strategy, plan.catalog, days_since_epoch(when)
        )
        priced.totals.append(
            StrategyTotal(
                name=strategy.name,
                kind=strategy.kind,
                total_usd=float(total),
                total_exact=money_text(total),
                per_request_usd=float(total / requests) if requests else 0.0,
                vs_logged=(known_usd / base) if base else None,
                requests=requests,
                notes=strategy.notes(),
            )
        )
    return priced


def _fusion_warnings(fusion: FusionObserved) -> list[str]:
    """Why the log's Fusion traffic is not in the strategy totals (and, without request ids,
    not all in its cost per request)."""
    warnings: list[str] = []
    if fusion.ungrouped_rows:
        warnings.append(
            f"{fusion.ungrouped_rows:,} Fusion generations have no request id: their "
            "requests cannot be counted, so they are left out of the Fusion cost per request"
        )
    warnings.append(
        f"{fusion.requests:,} Fusion requests ({fusion.rows:,} rows) are shown at their "
        "observed cost and left out of the strategy totals and the token profile"
    )
    return warnings


def _bad_row_report(outcome: Outcome) -> BadRowReport:
    """The rows parse() skipped together with the lines the reader dropped itself (or, from
    an engine that validates in SQL, its counts by reason)."""
    stats = outcome.read
    if outcome.bad is None:
        by_reason = {str(k[0]): int(v["n"]) for k, v in sorted(outcome.stats.get("bad").items())}
        return BadRowReport(count=sum(by_reason.values()), by_reason=by_reason, first_lines=[])
    bad = outcome.bad
    return BadRowReport(
        count=bad.count + stats.malformed + stats.too_long,
        by_reason={
            **bad.by_reason,
            **({"malformed line": stats.malformed} if stats.malformed else {}),
            **({_too_long(stats): stats.too_long} if stats.too_long else {}),
        },
        first_lines=sorted({*bad.first_lines, *stats.malformed_lines})[:5],
    )


def _too_long(stats: ReadStats) -> str:
    return f"line longer than {byte_size(stats.line_limit)}"


def _date_of(day: float) -> str | None:
    if not np.isfinite(day):
        return None
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d %H:%M:%S")
