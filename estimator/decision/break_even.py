"""Break-even: the price of a wrong answer above which a premium strategy P pays off against
another S, (C_P - C_S + lambda (L_P - L_S)) / (err_S - err_P) (arXiv:2507.03834); without
error rates, the error-rate cut P must deliver at your cost per error, and the cost per wrong
answer at which a cut of 1, 2, 5 or 10 points would pay. Error rates are the ones bought
(decision/quality.py).

The table compares every premium strategy with every other; the verdict's pair (any two
strategies) is compared the same way, the dearer one as P."""

from __future__ import annotations

from decimal import Decimal

from estimator.decision.context import Context
from estimator.decision.quality import Quality, quality
from estimator.documents.decision import BreakEven, ExpectedCost, LatencyInfo

REDUCTION_POINTS = (1, 2, 5, 10)  # error-rate cuts, in percentage points


def break_even(
    ctx: Context, latency: dict[str, LatencyInfo], bought: Quality | None = None
) -> list[BreakEven]:
    rates = (bought or quality(ctx)).rates
    return [
        _row(ctx, premium.name, other.name, latency, rates)
        for premium in ctx.premium()
        for other in ctx.others()
    ]


def pair_break_even(
    ctx: Context, a: ExpectedCost, b: ExpectedCost, latency: dict[str, LatencyInfo]
) -> BreakEven:
    """Two strategies compared the table's way, the dearer (with waiting valued) as P."""
    lam = Decimal(str(ctx.spec.value_of_latency_usd_per_s))

    def dear(row: ExpectedCost) -> Decimal:
        return row.per_request_usd + lam * Decimal(str(latency[row.strategy].mean_s))

    first, second = (a, b) if dear(a) >= dear(b) else (b, a)
    rates = {r.strategy: r.error_rate for r in (a, b)}
    return _row(ctx, first.strategy, second.strategy, latency, rates)


def _row(
    ctx: Context,
    premium: str,
    other: str,
    latency: dict[str, LatencyInfo],
    rates: dict[str, float | None],
) -> BreakEven:
    spec = ctx.spec
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    p, s = ctx.results[premium], ctx.results[other]
    d_cost = p.per_request_usd - s.per_request_usd
    d_latency = latency[premium].mean_s - latency[other].mean_s
    extra = d_cost + lam * Decimal(str(d_latency))
    d_error = per_error = None
    p_rate, s_rate = rates.get(premium), rates.get(other)
    if p_rate is not None and s_rate is not None:
        gap = Decimal(str(s_rate)) - Decimal(str(p_rate))
        d_error = float(gap)
        if gap > 0:
            per_error = max(Decimal(0), extra / gap)
    required = one_in = None
    if spec.cost_per_error_usd:
        required = float(extra / Decimal(str(spec.cost_per_error_usd)))
        one_in = (1 / required) if required > 0 else None
    return BreakEven(
        premium=premium,
        versus=other,
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
