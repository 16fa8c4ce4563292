"""Expected total cost per request: cost + error rate x cost per error + lambda x latency, and
whether each strategy fits the monthly budget, the latency budget and its models' context
windows (at least `decision.min_context_share` of requests)."""

from __future__ import annotations

from decimal import Decimal

from estimator.decision.context import Context
from estimator.documents.decision import ExpectedCost, LatencyInfo


def expected_costs(ctx: Context, latency: dict[str, LatencyInfo]) -> list[ExpectedCost]:
    spec = ctx.spec
    rates = spec.error_rates() or {}
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    rows = []
    for name, result in ctx.results.items():
        rate = rates.get(name)
        latency_cost = lam * Decimal(str(latency[name].mean_s))
        error_cost = total = None
        if rate is not None and spec.cost_per_error_usd is not None:
            error_cost = Decimal(str(rate)) * Decimal(str(spec.cost_per_error_usd))
            total = result.per_request_usd + error_cost + latency_cost
        fits_budget = None
        if spec.monthly_budget_usd is not None:
            fits_budget = result.monthly_paid_usd <= Decimal(str(spec.monthly_budget_usd))
        rows.append(
            ExpectedCost(
                strategy=name,
                kind=result.kind,
                per_request_usd=result.per_request_usd,
                error_rate=rate,
                error_cost_per_request_usd=error_cost,
                latency_cost_per_request_usd=latency_cost,
                total_per_request_usd=total,
                total_monthly_usd=None if total is None else total * ctx.requests,
                fits_budget=fits_budget,
                fits_latency=latency[name].within_budget,
                context_share=result.context.fits_share,
                fits_context=result.context.fits_share >= spec.min_context_share,
            )
        )
    return rows
