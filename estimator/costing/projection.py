"""The month-by-month projection of each strategy's cost, with growth; the input-range band
(when the scenario gives ranges) scales with the month's volume."""

from __future__ import annotations

from decimal import Decimal

from estimator.documents.estimate import MonthRow, StrategyResult
from estimator.workload.profile import Profile


def projection(results: list[StrategyResult], profile: Profile, months: int) -> list[MonthRow]:
    rows = []
    growth = Decimal(str(1 + profile.growth_pct / 100))
    for month in range(1, months + 1):
        # Decimal(0) ** 0 is undefined: month 1 is the volume itself, whatever the growth
        factor = growth ** (month - 1) if month > 1 else Decimal(1)
        requests = profile.requests_per_month * factor
        scale = requests / profile.requests_per_month if profile.requests_per_month else Decimal(0)
        bands = {r.name: r.monthly_band for r in results if r.monthly_band is not None}
        ranged = len(bands) == len(results)
        rows.append(
            MonthRow(
                month=month,
                requests=float(requests),
                cost_usd={r.name: r.per_request_usd * requests for r in results},
                p5_usd={n: b.p5_usd * scale for n, b in bands.items()} if ranged else None,
                p95_usd={n: b.p95_usd * scale for n, b in bands.items()} if ranged else None,
            )
        )
    return rows
