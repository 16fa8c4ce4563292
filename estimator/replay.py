"""`replay`: reprice a real activity log under each strategy, calibrate, and profile it.

Every valid row is repriced with its own tokens (prompt, completion, reasoning, cached) and
hour through the same strategy expansion as `estimate` (vectorised per chunk; Fusion and Auto
Router as expected cost over their branches). Calibration reprices each row with its own model
and compares with the log's `cost_total`; rows that differ are flagged with the likely cause.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from estimator.activity import BLOCK_BYTES, CHUNK_ROWS, ReadStats, parse_mapping, read_batches
from estimator.callplan import Call, Request
from estimator.costing import expected_vector_cost, vector_cost
from estimator.errors import UnknownModelError, UserError
from estimator.logparse import BadRows, Rows, parse
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy

HIST_BINS = 8  # histogram bins per doubling of tokens (~9% wide), for the profile's p95
HIST_SIZE = 8 * 40
TOLERANCE = 0.005  # a row "agrees" when repriced within 0.5% (or $0.000001) of cost_total
EPOCH = date(1970, 1, 1)


class StrategyTotal(BaseModel):
    name: str
    kind: str
    total_usd: float
    per_request_usd: float
    vs_logged: float | None  # total / logged cost_total


class ModelCalibration(BaseModel):
    model: str
    rows: int
    logged_usd: float
    repriced_usd: float
    agreement: float | None
    flagged: int


class Calibration(BaseModel):
    rows_compared: int
    logged_usd: float
    repriced_usd: float
    agreement: float | None
    flagged_rows: int
    flagged_by_reason: dict[str, int]
    tolerance: str
    by_model: list[ModelCalibration]


class BadRowReport(BaseModel):
    count: int
    by_reason: dict[str, int]
    first_lines: list[int]


class ReplayResult(BaseModel):
    schema_version: int = 1
    log: str
    rows_read: int
    rows_used: int
    rows_outside_dates: int
    bad_rows: BadRowReport
    unknown_models: dict[str, int]
    period: dict[str, Any]
    strategies: list[StrategyTotal]
    calibration: Calibration | None
    profile: dict[str, Any]
    pricing: dict[str, Any]
    elapsed_s: float


@dataclass
class _Totals:
    """Running sums over all chunks (bounded memory: no per-row state is kept)."""

    rows: int = 0
    outside: int = 0
    prompt: float = 0.0
    completion: float = 0.0
    reasoning: float = 0.0
    cached: float = 0.0
    logged: float = 0.0
    logged_rows: int = 0
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))
    hist_prompt: np.ndarray = field(default_factory=lambda: np.zeros(HIST_SIZE))
    hist_completion: np.ndarray = field(default_factory=lambda: np.zeros(HIST_SIZE))
    first_day: float = math.inf
    last_day: float = -math.inf
    model_rows: dict[str, int] = field(default_factory=dict)
    strategy_usd: dict[str, float] = field(default_factory=dict)
    cal: dict[str, list[float]] = field(default_factory=dict)  # model -> [rows, logged, repr, flag]
    flagged: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)


def _bins(tokens: np.ndarray) -> np.ndarray:
    index = np.floor(np.log2(tokens + 1) * HIST_BINS).astype(np.int64)
    return np.bincount(np.clip(index, 0, HIST_SIZE - 1), minlength=HIST_SIZE)


def _quantile(hist: np.ndarray, q: float) -> float:
    cumulative = np.cumsum(hist)
    if cumulative[-1] == 0:
        return 0.0
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(2 ** ((index + 0.5) / HIST_BINS) - 1)


def _day(value: date | None) -> float | None:
    return None if value is None else float((value - EPOCH).days)


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
    fields = {
        name: (value[keep] if isinstance(value, np.ndarray) else value)
        for name, value in rows.__dict__.items()
    }
    return Rows(**fields), int((~keep).sum())


class Replayer:
    """Streams a log through the strategies, calibration and profile sums."""

    def __init__(self, catalog: Catalog, strategies: Sequence[Strategy]) -> None:
        self.catalog = catalog
        self.strategies = list(strategies)
        self.totals = _Totals()
        self._resolved: dict[str, str | None] = {}

    def _model_id(self, name: str) -> str | None:
        if name not in self._resolved:
            try:
                self._resolved[name] = self.catalog.resolve(name).id
            except (UnknownModelError, UserError):
                self._resolved[name] = None
        return self._resolved[name]

    def add(self, rows: Rows) -> None:
        t = self.totals
        n = len(rows)
        if n == 0:
            return
        t.rows += n
        t.prompt += float(rows.prompt.sum())
        t.completion += float(rows.completion.sum())
        t.reasoning += float(rows.reasoning.sum())
        t.cached += float(rows.cached.sum())
        t.hist_prompt += _bins(rows.prompt)
        t.hist_completion += _bins(rows.completion)
        if rows.minutes is not None:
            t.hours += np.bincount((rows.minutes // 60).astype(np.int64), minlength=24)[:24]
        if rows.days is not None:
            t.first_day = min(t.first_day, float(rows.days.min()))
            t.last_day = max(t.last_day, float(rows.days.max()))
        share = np.divide(rows.cached, rows.prompt, out=np.zeros(n), where=rows.prompt > 0)
        request = Request(rows.prompt, rows.completion, rows.reasoning)
        for strategy in self.strategies:
            plan = strategy.expand(request)
            cost = expected_vector_cost(plan.branches, self.catalog, rows.minutes, share)
            t.strategy_usd[strategy.name] = t.strategy_usd.get(strategy.name, 0.0) + float(
                np.sum(np.broadcast_to(cost, (n,)))
            )
        if rows.model is not None:
            self._calibrate(rows, share)

    def _calibrate(self, rows: Rows, share: np.ndarray) -> None:
        t = self.totals
        assert rows.model is not None
        counts = np.bincount(rows.model[rows.model >= 0], minlength=len(rows.models))
        for index, name in enumerate(rows.models):
            if not counts[index]:
                continue
            t.model_rows[name] = t.model_rows.get(name, 0) + int(counts[index])
            model_id = self._model_id(name)
            if model_id is None:
                t.unknown[name] = t.unknown.get(name, 0) + int(counts[index])
                continue
            mask = rows.model == index
            if rows.cost_total is not None:
                mask &= ~np.isnan(rows.cost_total)
            if not mask.any():
                continue
            model = self.catalog.get_exact(model_id)
            if model.pricing.is_dynamic:
                t.unknown[name] = t.unknown.get(name, 0) + int(mask.sum())
                continue
            minutes = None if rows.minutes is None else rows.minutes[mask]
            call = Call(
                "single", model_id, rows.prompt[mask], rows.completion[mask], rows.reasoning[mask]
            )
            repriced = np.broadcast_to(
                vector_cost(call, model, minutes, share[mask]), (int(mask.sum()),)
            )
            entry = t.cal.setdefault(name, [0.0, 0.0, 0.0, 0.0])
            entry[0] += float(mask.sum())
            entry[2] += float(repriced.sum())
            if rows.cost_total is None:
                continue
            logged = rows.cost_total[mask]
            entry[1] += float(logged.sum())
            off = np.abs(repriced - logged) > np.maximum(1e-6, TOLERANCE * np.abs(logged))
            entry[3] += float(off.sum())
            if off.any():
                self._flag(rows, mask, off)

    def _flag(self, rows: Rows, mask: np.ndarray, off: np.ndarray) -> None:
        """Name the likely cause of each disagreeing row (first matching cause wins)."""
        t = self.totals
        remaining = off.copy()
        causes = (
            ("web search", rows.web_search),
            ("BYOK", rows.byok),
            ("cancelled", rows.cancelled),
        )
        for cause, column in causes:
            if column is None:
                continue
            hit = remaining & (column[mask] > 0)
            if hit.any():
                t.flagged[cause] = t.flagged.get(cause, 0) + int(hit.sum())
                remaining &= ~hit
        if remaining.any():
            key = "price differs (prices changed since?)"
            t.flagged[key] = t.flagged.get(key, 0) + int(remaining.sum())


def _calibration(t: _Totals, has_cost: bool) -> Calibration | None:
    if not t.cal:
        return None
    by_model = [
        ModelCalibration(
            model=name,
            rows=int(v[0]),
            logged_usd=v[1],
            repriced_usd=v[2],
            agreement=(v[2] / v[1]) if has_cost and v[1] else None,
            flagged=int(v[3]),
        )
        for name, v in sorted(t.cal.items(), key=lambda kv: -kv[1][1])
    ]
    logged = sum(m.logged_usd for m in by_model)
    repriced = sum(m.repriced_usd for m in by_model)
    return Calibration(
        rows_compared=sum(m.rows for m in by_model),
        logged_usd=logged,
        repriced_usd=repriced,
        agreement=(repriced / logged) if has_cost and logged else None,
        flagged_rows=sum(m.flagged for m in by_model),
        flagged_by_reason=dict(sorted(t.flagged.items(), key=lambda kv: -kv[1])),
        tolerance=f"{TOLERANCE:.1%} of cost_total (at least $0.000001)",
        by_model=by_model,
    )


def profile_of(t: _Totals, source: str) -> dict[str, Any]:
    """The observed workload in scenario form (mean exact; p95 from a log-scale histogram)."""
    if t.rows == 0:
        return {}
    days = (t.last_day - t.first_day) if t.first_day <= t.last_day else 0.0
    span = max(days, 1.0)
    mean_in, mean_out = t.prompt / t.rows, t.completion / t.rows

    def tokens(mean: float, hist: np.ndarray) -> Any:
        p95 = _quantile(hist, 0.95)
        mean_int = max(0, round(mean))
        if mean_int == 0:
            return 0
        p95_int = int(min(max(p95, mean_int), mean_int * 3.8))
        return {"mean": mean_int, "p95": p95_int} if p95_int > mean_int else mean_int

    workload: dict[str, Any] = {
        "requests_per_month": round(t.rows / span * 30, 1),
        "input_tokens": tokens(mean_in, t.hist_prompt),
        "output_tokens": tokens(mean_out, t.hist_completion),
        "reasoning_tokens": round(t.reasoning / t.rows),
        "cached_input_share": round(t.cached / t.prompt, 6) if t.prompt else 0.0,
    }
    if t.hours.sum() > 0:
        workload["hours_utc"] = [round(float(h / t.hours.sum()), 6) for h in t.hours]
    mix = {m: round(c / t.rows, 6) for m, c in sorted(t.model_rows.items(), key=lambda kv: -kv[1])}
    return {
        "source": source,
        "rows": t.rows,
        "days": round(days, 3),
        "workload": workload,
        "model_mix": mix,
    }


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
) -> ReplayResult:
    """Reprice every row of `log` under each strategy; calibrate and profile the log."""
    from estimator.pricing.describe import describe_catalog

    started = time.perf_counter()
    mapping = parse_mapping(columns)
    stats = ReadStats()
    bad = BadRows()
    replayer = Replayer(catalog, strategies)
    has_cost = False
    for first_line, chunk in read_batches(log, mapping, stats, chunk_rows, block_bytes):
        rows = parse(chunk, first_line, bad)
        rows, outside = _filter_dates(rows, since, until)
        replayer.totals.outside += outside
        has_cost = has_cost or rows.cost_total is not None
        if rows.cost_total is not None:
            known = ~np.isnan(rows.cost_total)
            replayer.totals.logged += float(rows.cost_total[known].sum())
        replayer.add(rows)
        if progress is not None:
            progress(stats)
    t = replayer.totals
    logged = t.logged if has_cost else None
    totals = [
        StrategyTotal(
            name=s.name,
            kind=s.kind,
            total_usd=t.strategy_usd.get(s.name, 0.0),
            per_request_usd=t.strategy_usd.get(s.name, 0.0) / t.rows if t.rows else 0.0,
            vs_logged=(t.strategy_usd.get(s.name, 0.0) / logged) if logged else None,
        )
        for s in strategies
    ]
    first = _date_of(t.first_day)
    last = _date_of(t.last_day)
    return ReplayResult(
        log=str(log),
        rows_read=stats.rows,
        rows_used=t.rows,
        rows_outside_dates=t.outside,
        bad_rows=BadRowReport(
            count=bad.count + stats.malformed,
            by_reason={
                **bad.by_reason,
                **({"malformed line": stats.malformed} if stats.malformed else {}),
            },
            first_lines=sorted({*bad.first_lines, *stats.malformed_lines})[:5],
        ),
        unknown_models=dict(sorted(t.unknown.items(), key=lambda kv: -kv[1])),
        period={"first": first, "last": last, "logged_cost_usd": logged},
        strategies=totals,
        calibration=_calibration(t, has_cost),
        profile=profile_of(t, str(log)),
        pricing=describe_catalog(catalog, 7.0),
        elapsed_s=round(time.perf_counter() - started, 3),
    )


def _date_of(day: float) -> str | None:
    if not math.isfinite(day):
        return None
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d %H:%M:%S")


def exact_totals(
    log: str | Path,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    columns: str | None = None,
    limit: int | None = None,
) -> dict[str, Decimal]:
    """The reference path: every row priced one by one in Decimal (slow; for checking)."""
    from decimal import Decimal

    from estimator.costing import Pricer
    from estimator.estimation import expected_cost, priced_plan

    totals = {s.name: Decimal(0) for s in strategies}
    done = 0
    bad = BadRows()
    for first_line, chunk in read_batches(log, parse_mapping(columns), ReadStats()):
        rows = parse(chunk, first_line, bad)
        for i in range(len(rows)):
            if limit is not None and done >= limit:
                return totals
            prompt = Decimal(int(rows.prompt[i]))
            share = Decimal(int(rows.cached[i])) / prompt if prompt else Decimal(0)
            hours = [Decimal(0)] * 24
            hours[int(rows.minutes[i] // 60) if rows.minutes is not None else 0] = Decimal(1)
            if rows.minutes is None:
                hours = [Decimal(1) / 24] * 24
            pricer = Pricer(catalog, hours, share)
            request = Request(
                prompt, Decimal(int(rows.completion[i])), Decimal(int(rows.reasoning[i]))
            )
            for strategy in strategies:
                totals[strategy.name] += expected_cost(
                    priced_plan(strategy.expand(request), pricer)
                )
            done += 1
    return totals
