"""The month-by-month projection of each strategy's cost, with growth."""

from __future__ import annotations

from decimal import Decimal

from estimator.costing.montecarlo import band
from estimator.documents.estimate import MonthRow, StrategyResult
from estimator.workload.profile import Profile


def projection(results: list[StrategyResult], profile: Profile, months: int) -> list[MonthRow]:
    rows = []
    growth = Decimal(str(1 + profile.growth_pct / 100))
    for month in range(1, months + 1):
        # Decimal(0) ** 0 is undefined: month 1 is the volume itself, whatever the growth
        factor = growth ** (month - 1) if month > 1 else Decimal(1)
        requests = profile.requests_per_month * factor
        bands = {r.name: band(r.per_request_usd, r.distribution.sd_usd, requests) for r in results}
        rows.append(
            MonthRow(
                month=month,
                requests=float(requests),
                cost_usd={r.name: r.per_request_usd * requests for r in results},
                p5_usd={name: band.p5_usd for name, band in bands.items()},
                p95_usd={name: band.p95_usd for name, band in bands.items()},
            )
        )
    return rows
