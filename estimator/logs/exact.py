"""The reference path of `replay`: every row priced one by one in Decimal, through the same
expansion and pricer as `estimate` (slow; for checking the engines, to the last digit)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from estimator.clock import now_utc
from estimator.logs.observed import AUTO_WRITE_SHARE, model_ids
from estimator.logs.reader import ReadStats, parse_mapping, read_batches
from estimator.logs.rows import BadRows, Rows, parse
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import EXACT
from estimator.strategies.base import Strategy
from estimator.workload.distributions import auto_written
from estimator.workload.request import Request


def _requests(
    log: str | Path, columns: str | None, limit: int | None, catalog: Catalog
) -> Iterator[Any]:
    """(minute or None, request) of every row replay reprices (not Fusion traffic), in Decimal
    and scenario terms, up to `limit` rows."""
    done = 0
    bad = BadRows()
    for first_line, chunk in read_batches(log, parse_mapping(columns), ReadStats()):
        rows = parse(chunk, first_line, bad)
        fusion = np.zeros(len(rows), dtype=bool)
        for flags in (rows.fusion, rows.fusion_member):
            if flags is not None:
                fusion |= flags
        ids = model_ids(rows.models, catalog) if rows.model is not None else None
        for i in range(len(rows)):
            if limit is not None and done >= limit:
                return
            if fusion[i]:
                continue
            minute = None if rows.minutes is None else int(rows.minutes[i])
            yield minute, _row_request(rows, i, ids)
            done += 1


def _row_request(rows: Rows, i: int, ids: dict[str, str] | None) -> Request:
    """Row `i` as one exact request, as `log_request` makes them: the row's reasoning is its
    logged model's (every other model thinks its profile); without `ids` (a log that names no
    models), every model that reasons thinks as much as the row did."""
    prompt, cached = Decimal(int(rows.prompt[i])), Decimal(int(rows.cached[i]))
    written = Decimal(int(rows.written[i]))
    reasoning = Decimal(int(rows.reasoning[i]))
    auto = written if rows.has_writes else auto_written(prompt, cached, AUTO_WRITE_SHARE, EXACT)
    visible = Decimal(int(rows.completion[i])) - reasoning
    if ids is None:
        return Request(prompt, visible, reasoning, cached, written, auto)
    assert rows.model is not None
    logged = ids.get(rows.models[int(rows.model[i])])
    mine = {logged: reasoning} if logged else {}
    return Request(prompt, visible, None, cached, written, auto, reasoning_by_model=mine)


def exact_totals(
    log: str | Path,
    catalog: Catalog,
    strategies: Sequence[Strategy],
    columns: str | None = None,
    limit: int | None = None,
) -> dict[str, Decimal]:
    """The reference path: every row priced one by one in Decimal (slow; for checking). The
    Auto Router's tiers are ranked for the log's mean request, as replay ranks them."""
    from estimator.costing.plans import expected_cost, priced_plan
    from estimator.costing.pricer import Pricer

    n, sums = 0, [Decimal(0)] * 2
    for _, request in _requests(log, columns, limit, catalog):
        n += 1
        sums = [a + b for a, b in zip(sums, _shape(request), strict=True)]
    if n:
        prompt, visible = (Decimal(round(float(total / n))) for total in sums)
        mean = Request(prompt, visible, None)  # each candidate with its own reasoning
        strategies = [s.for_workload(mean, catalog) for s in strategies]
    totals = {s.name: Decimal(0) for s in strategies}
    when = now_utc()
    uniform = [Decimal(1) / 24] * 24
    for minute, request in _requests(log, columns, limit, catalog):
        # a row without a date is priced without time windows, as the engines do
        pricer = Pricer(catalog, uniform, when, minute, windows=minute is not None)
        for strategy in strategies:
            totals[strategy.name] += expected_cost(priced_plan(strategy.expand(request), pricer))
    return totals


def _shape(request: Request) -> tuple[Decimal, Decimal]:
    return Decimal(request.input_tokens), Decimal(request.output_tokens)
