"""The reference path of `replay`: every row priced one by one in Decimal, through the same
expansion and pricer as `estimate` (slow; for checking the engines, to the last digit)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np

from estimator.clock import now_utc
from estimator.logs.observed import AUTO_WRITE_SHARE
from estimator.logs.reader import ReadStats, parse_mapping, read_batches
from estimator.logs.rows import BadRows, parse
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import EXACT
from estimator.strategies.base import Strategy
from estimator.workload.distributions import auto_written
from estimator.workload.request import Request


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
    share = AUTO_WRITE_SHARE
    for first_line, chunk in read_batches(log, parse_mapping(columns), ReadStats()):
        rows = parse(chunk, first_line, bad)
        fusion = np.zeros(len(rows), dtype=bool)
        for flags in (rows.fusion, rows.fusion_member):
            if flags is not None:
                fusion |= flags
        for i in range(len(rows)):
            if limit is not None and done >= limit:
                return totals
            if fusion[i]:
                continue
            minute = None if rows.minutes is None else int(rows.minutes[i])
            # a row without a date is priced without time windows, as the vectorised path does
            pricer = Pricer(catalog, uniform, when, minute, windows=minute is not None)
            prompt, cached = Decimal(int(rows.prompt[i])), Decimal(int(rows.cached[i]))
            written = Decimal(int(rows.written[i]))
            reasoning = Decimal(int(rows.reasoning[i]))
            auto = written if rows.has_writes else auto_written(prompt, cached, share, EXACT)
            request = Request(
                prompt,
                Decimal(int(rows.completion[i])) - reasoning,
                reasoning,
                cached,
                written,
                auto,
            )
            for strategy in strategies:
                totals[strategy.name] += expected_cost(
                    priced_plan(strategy.expand(request), pricer)
                )
            done += 1
    return totals
