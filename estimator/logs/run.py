"""`replay`: reprice a real log under each strategy, calibrate it against its bill, profile it.

The log is streamed in chunks (reader.py). Per chunk:
- every request (a row, except Fusion traffic) is repriced under each strategy with its own
  tokens and minute through the same expansion as `estimate` (vectorised; Fusion and the Auto
  Router as expected cost over their branches), at today's catalog and fees;
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np

from estimator.clock import now_utc
from estimator.costing.pricer import expected_vector_cost
from estimator.defaults import default
from estimator.documents.replay import (
    BadRowReport,
    FusionObserved,
    ReplayResult,
    StrategyTotal,
)
from estimator.errors import UserError
from estimator.logs.calibration import ROWS_OUT_HEADER, Calibrator, ledger
from estimator.logs.profile import ProfileSums, profile_of
from estimator.logs.reader import (
    BLOCK_BYTES,
    CHUNK_ROWS,
    ReadStats,
    byte_size,
    parse_mapping,
    read_batches,
)
from estimator.logs.rows import BadRows, Rows, parse
from estimator.logs.timeline import Timeline
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import days_since_epoch
from estimator.pricing.rules import EXACT, VECTOR
from estimator.strategies.base import Strategy
from estimator.workload.distributions import auto_written
from estimator.workload.reasoning import reasoning_profile
from estimator.workload.request import Request

EPOCH = date(1970, 1, 1)
AUTO_WRITE_SHARE = Decimal(str(default("caching.automatic_write_share")))


def log_request(
    rows: Rows, ids: dict[str, str] | None = None, catalog: Catalog | None = None
) -> Request:
    """The requests of a log chunk in scenario terms: visible output = completion - reasoning;
    logged cache writes, or (a log that does not report them) the automatic writers' share.
    The logged reasoning is the logged model's (`logged_reasoning`): every other model thinks
    as much as its own profile. Without `ids` (a log that names no models), every model that
    reasons thinks as much as the row did."""
    share = float(AUTO_WRITE_SHARE)
    auto = (
        rows.written if rows.has_writes else auto_written(rows.prompt, rows.cached, share, VECTOR)
    )
    by_model = logged_reasoning(rows, ids, catalog) if ids is not None and catalog else {}
    return Request(
        rows.prompt,
        rows.completion - rows.reasoning,
        None if ids is not None else rows.reasoning,
        rows.cached,
        rows.written,
        auto,
        reasoning_by_model=by_model,
    )


def logged_reasoning(rows: Rows, ids: dict[str, str], catalog: Catalog) -> dict[str, Any]:
    """Per logged model (by catalog id): its own rows' logged reasoning, and on the other rows
    (requests another model served) its own reasoning profile. Models the log does not show
    think as much as their profile everywhere."""
    if rows.model is None:
        return {}
    found: dict[str, Any] = {}
    for index, name in enumerate(rows.models):
        model_id = ids.get(name)
        mine = rows.model == index
        if model_id is None or not mine.any():
            continue
        model = catalog.get_exact(model_id)
        profile = float(reasoning_profile(model).tokens) if model.reasons else 0.0
        found[model_id] = np.where(mine, rows.reasoning, found.get(model_id, profile))
    return found


def model_ids(names: Sequence[str], catalog: Catalog) -> dict[str, str]:
    """The catalog id of each logged model name it knows."""
    found = {}
    for name in names:
        try:
            found[name] = catalog.resolve(name).id
        except UserError:
            continue
    return found


def _mean(rows: Rows) -> Request:
    """The mean request of some rows (scenario terms), as the Auto Router ranks for it: each
    candidate with its own reasoning profile (the log's reasoning is its own models')."""
    visible = rows.completion - rows.reasoning
    return Request(
        Decimal(round(float(rows.prompt.mean()))), Decimal(round(float(visible.mean()))), None
    )


def _day(value: date) -> float:
    return float((value - EPOCH).days)


def _filter_dates(rows: Rows, since: date | None, until: date | None) -> tuple[Rows, int]:
    if rows.days is None or (since is None and until is None):
        return rows, 0
    keep = np.ones(len(rows), dtype=bool)
    if since is not None:
        keep &= rows.days >= _day(since)
    if until is not None:
        keep &= rows.days < _day(until) + 1  # until is inclusive
    if keep.all():
        return rows, 0
    return rows.subset(keep), int((~keep).sum())


@dataclass
class FusionSums:
    """Fusion traffic as billed: responses (one request each) and routed generations (grouped
    by request id; bounded by the number of Fusion requests)."""

    rows: int = 0
    logged: float = 0.0
    responses: int = 0
    outer: float = 0.0
    outer_rows: int = 0
    by_request: dict[str, float] = field(default_factory=dict)
    ungrouped: int = 0
    ungrouped_usd: float = 0.0

    def add(self, rows: Rows, mask: np.ndarray) -> None:
        if not mask.any():
            return
        cost = rows.cost_total if rows.cost_total is not None else np.zeros(len(rows))
        cost = np.nan_to_num(cost)
        self.rows += int(mask.sum())
        self.logged += float(cost[mask].sum())
        response = mask & (rows.fusion if rows.fusion is not None else False)
        self.responses += int(np.sum(response))
        if rows.upstream_prompt is not None and rows.upstream_completion is not None:
            outer = rows.upstream_prompt + rows.upstream_completion
            seen = response & ~np.isnan(outer)
            self.outer += float(outer[seen].sum())
            self.outer_rows += int(seen.sum())
        members = mask & ~response
        at = np.flatnonzero(members)
        ids = rows.request_id[members].values() if rows.request_id is not None else [None] * len(at)
        for i, request in zip(at, ids, strict=True):
            if request:
                self.by_request[request] = self.by_request.get(request, 0.0) + float(cost[i])
            else:
                self.ungrouped += 1
                self.ungrouped_usd += float(cost[i])

    def result(self) -> FusionObserved | None:
        if not self.rows:
            return None
        # generations without a request id cannot be told apart: counted as rows, not requests
        requests = self.responses + len(self.by_request)
        grouped = self.logged - self.ungrouped_usd
        whole = self.outer_rows == self.responses and not self.by_request and not self.ungrouped
        return FusionObserved(
            requests=requests,
            rows=self.rows,
            logged_usd=self.logged,
            per_request_usd=grouped / requests if requests else None,
            outer_usd=self.outer if whole else None,
            inner_usd=self.logged - self.outer if whole else None,
            ungrouped_rows=self.ungrouped,
        )


class Replayer:
    """Streams a log through the strategies, the calibration, the Fusion sums and the profile."""

    def __init__(
        self,
        catalog: Catalog,
        strategies: Sequence[Strategy],
        timeline: Timeline,
        rows_out: Any = None,
    ) -> None:
        self.catalog = catalog
        self.strategies = list(strategies)
        self.when = days_since_epoch(now_utc())  # strategies at today's prices and fees
        self.calibrator = Calibrator(timeline, rows_out)
        self.profile = ProfileSums()
        self.fusion = FusionSums()
        self.strategy_usd: dict[str, float] = {s.name: 0.0 for s in strategies}
        # over the requests whose cost is logged: what they cost, what each strategy would
        self.strategy_known_usd: dict[str, float] = {s.name: 0.0 for s in strategies}
        self.requests = 0
        self.logged_requests = 0.0
        self.logged = 0.0
        self.has_cost = False
        self.outside = 0
        self.rows = 0

    def add(self, rows: Rows) -> None:
        n = len(rows)
        if n == 0:
            return
        self.rows += n
        if rows.cost_total is not None:
            self.has_cost = True
            self.logged += float(np.nansum(rows.cost_total))
        fusion = np.zeros(n, dtype=bool)
        for flags in (rows.fusion, rows.fusion_member):
            if flags is not None:
                fusion |= flags
        plain = rows.subset(~fusion) if fusion.any() else rows
        self.fusion.add(rows, fusion)
        billed = ledger(rows)  # once per chunk: the calibration and the logged totals share it
        self.calibrator.add(rows, billed)
        self.profile.add(plain, rows)
        if not len(plain):
            return
        if not self.requests:  # the Auto Router's tiers are ranked for this log's requests
            self.strategies = [s.for_workload(_mean(plain), self.catalog) for s in self.strategies]
        self.requests += len(plain)
        paid = billed.paid[~fusion] if fusion.any() else billed.paid
        known = ~np.isnan(paid)
        self.logged_requests += float(paid[known].sum())
        ids = model_ids(plain.models, self.catalog) if plain.model is not None else None
        request = log_request(plain, ids, self.catalog)
        for strategy in self.strategies:
            plan = strategy.expand(request)
            cost = expected_vector_cost(plan.branches, self.catalog, plain.minutes, self.when)
            cost = np.broadcast_to(cost, (len(plain),))
            self.strategy_usd[strategy.name] += float(cost.sum())
            self.strategy_known_usd[strategy.name] += float(cost[known].sum())


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
    max_age_days: float = 7.0,
    history_files: Sequence[Path] = (),
) -> ReplayResult:
    """Reprice every row of `log` under each strategy; calibrate and profile the log.

    `history` (catalogs) and `history_files` (catalog files, read only when a row needs one):
    older catalogs; a row is calibrated with the newest catalog fetched at or before its date.
    `rows_out`: a text stream that receives one CSV line per calibrated row.
    """
    from estimator.pricing.describe import describe_catalog

    started = time.perf_counter()
    mapping = parse_mapping(columns)
    stats = ReadStats()
    bad = BadRows()
    writer = None
    if rows_out is not None:
        writer = csv.writer(rows_out, lineterminator="\n")
        writer.writerow(ROWS_OUT_HEADER)
    timeline = Timeline(catalog, history, history_files)
    replayer = Replayer(catalog, strategies, timeline, writer)

    def validated(line: int, chunk: dict[str, Any]) -> Rows:
        return parse(chunk, line, bad)  # in the reading thread; `bad` is only read at the end

    for _, rows in read_batches(log, mapping, stats, chunk_rows, block_bytes, validated):
        rows, outside = _filter_dates(rows, since, until)
        replayer.outside += outside
        replayer.add(rows)
        if progress is not None:
            progress(stats)
    return _result(replayer, log, stats, bad, describe_catalog(catalog, max_age_days), started)


def _result(
    r: Replayer,
    log: str | Path,
    stats: ReadStats,
    bad: BadRows,
    pricing: dict[str, Any],
    started: float,
) -> ReplayResult:
    logged = r.logged if r.has_cost else None
    totals = _strategy_totals(r)
    fusion = r.fusion.result()
    profile, warnings = profile_of(r.profile, str(log), fusion, set(r.calibrator.unknown))
    if fusion is not None:
        warnings += _fusion_warnings(fusion)
    calibration = r.calibrator.result()
    unknown = dict(r.calibrator.unknown)
    sums = r.profile
    return ReplayResult(
        log=str(log),
        log_kind=stats.kind,
        rows_read=stats.rows,
        rows_used=r.rows,
        rows_outside_dates=r.outside,
        bad_rows=_bad_row_report(bad, stats),
        unknown_models=dict(sorted(unknown.items(), key=lambda kv: -kv[1])),
        period={
            "first": _date_of(sums.first_day),
            "last": _date_of(sums.last_day),
            "logged_cost_usd": logged,
        },
        strategies=totals,
        calibration=calibration,
        fusion=fusion,
        profile=profile,
        pricing=pricing,
        warnings=warnings,
        elapsed_s=round(time.perf_counter() - started, 3),
    )


def _strategy_totals(r: Replayer) -> list[StrategyTotal]:
    base = r.logged_requests if r.has_cost else None
    return [
        StrategyTotal(
            name=s.name,
            kind=s.kind,
            total_usd=r.strategy_usd[s.name],
            per_request_usd=r.strategy_usd[s.name] / r.requests if r.requests else 0.0,
            vs_logged=(r.strategy_known_usd[s.name] / base) if base else None,
            requests=r.requests,
            notes=s.notes(),
        )
        for s in r.strategies
    ]


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


def _bad_row_report(bad: BadRows, stats: ReadStats) -> BadRowReport:
    """The rows parse() skipped together with the lines the reader dropped itself."""
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


def _row_request(rows: Rows, i: int, ids: dict[str, str] | None) -> Request:
    """Row `i` as one exact request (as `log_request` makes them, one by one)."""
    prompt, cached = Decimal(int(rows.prompt[i])), Decimal(int(rows.cached[i]))
    written = Decimal(int(rows.written[i]))
    reasoning = Decimal(int(rows.reasoning[i]))
    auto = written if rows.has_writes else auto_written(prompt, cached, AUTO_WRITE_SHARE, EXACT)
    by_model = {}
    if ids is not None and rows.model is not None:  # the row's reasoning is its model's
        logged = ids.get(rows.models[int(rows.model[i])])
        if logged:
            by_model[logged] = reasoning
    return Request(
        prompt,
        Decimal(int(rows.completion[i])) - reasoning,
        None if ids is not None else reasoning,
        cached,
        written,
        auto,
        reasoning_by_model=by_model,
    )


def exact_totals(
    log: str | Path,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    columns: str | None = None,
    limit: int | None = None,
) -> dict[str, Decimal]:
    """The reference path: every row priced one by one in Decimal (slow; for checking)."""
    from estimator.costing.plans import expected_cost, priced_plan
    from estimator.costing.pricer import Pricer

    totals = {s.name: Decimal(0) for s in strategies}
    done = 0
    bad = BadRows()
    when = now_utc()
    uniform = [Decimal(1) / 24] * 24
    ranked = False
    for first_line, chunk in read_batches(log, parse_mapping(columns), ReadStats()):
        rows = parse(chunk, first_line, bad)
        fusion = np.zeros(len(rows), dtype=bool)
        for flags in (rows.fusion, rows.fusion_member):
            if flags is not None:
                fusion |= flags
        if not ranked and not fusion.all():  # as the vectorised path: for the log's mean
            plain = rows.subset(~fusion) if fusion.any() else rows
            strategies = [s.for_workload(_mean(plain), catalog) for s in strategies]
            ranked = True
        ids = model_ids(rows.models, catalog) if rows.model is not None else None
        for i in range(len(rows)):
            if limit is not None and done >= limit:
                return totals
            if fusion[i]:
                continue
            minute = None if rows.minutes is None else int(rows.minutes[i])
            # a row without a date is priced without time windows, as the vectorised path does
            pricer = Pricer(catalog, uniform, when, minute, windows=minute is not None)
            request = _row_request(rows, i, ids)
            for strategy in strategies:
                totals[strategy.name] += expected_cost(
                    priced_plan(strategy.expand(request), pricer)
                )
            done += 1
    return totals
