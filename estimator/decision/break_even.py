"""Break-even: the price of a wrong answer above which a premium strategy P pays off against
another S, (C_P - C_S + lambda (L_P - L_S)) / (err_S - err_P) (arXiv:2507.03834); without
error rates, the error-rate cut P must deliver at your cost per error, and the cost per wrong
answer at which a cut of 1, 2, 5 or 10 points would pay."""

from __future__ import annotations

from decimal import Decimal

from estimator.decision.context import Context
from estimator.documents.decision import BreakEven, LatencyInfo

REDUCTION_POINTS = (1, 2, 5, 10)  # error-rate cuts, in percentage points


def break_even(ctx: Context, latency: dict[str, LatencyInfo]) -> list[BreakEven]:
    spec = ctx.spec
    rates = spec.error_rates() or {}
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    rows = []
    for premium in ctx.premium():
        for other in ctx.others():
            d_cost = premium.per_request_usd - other.per_request_usd
            d_latency = latency[premium.name].mean_s - latency[other.name].mean_s
            extra = d_cost + lam * Decimal(str(d_latency))
            d_error = per_error = None
            if premium.name in rates and other.name in rates:
                gap = Decimal(str(rates[other.name])) - Decimal(str(rates[premium.name]))
                d_error = float(gap)
                if gap > 0:
                    per_error = max(Decimal(0), extra / gap)
            required = one_in = None
            if spec.cost_per_error_usd:
                required = float(extra / Decimal(str(spec.cost_per_error_usd)))
                one_in = (1 / required) if required > 0 else None
            rows.append(
                BreakEven(
                    premium=premium.name,
                    versus=other.name,
                    delta_cost_per_request_usd=d_cost,
                    delta_latency_s=round(d_latency, 3),
                    delta_error_rate=d_error,
                    usd_per_error=per_error,
                    required_error_reduction=required,
                    one_wrong_answer_in=one_in,
                    pays_at_reduction={
                        f"{points}%": max(Decimal(0), extra / (Decimal(points) / 100))
                        for points in REDUCTION_POINTS
                    },
                )
            )
    return rows
