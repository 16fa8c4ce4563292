"""Expected total cost per request: cost + error rate x cost per error + lambda x latency, and
whether each strategy fits the monthly budget, the latency budget and its models' context
windows (at least `decision.min_context_share` of requests). Error rates are the ones bought
(decision/quality.py: a strategy that runs on a share of requests mixes in its outer model's)."""

from __future__ import annotations

from decimal import Decimal

from estimator.decision.context import Context
from estimator.decision.quality import Quality, quality
from estimator.documents.decision import ExpectedCost, LatencyInfo


def expected_costs(
    ctx: Context, latency: dict[str, LatencyInfo], bought: Quality | None = None
) -> list[ExpectedCost]:
    spec = ctx.spec
    bought = bought or quality(ctx)
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    budget = None if spec.monthly_budget_usd is None else Decimal(str(spec.monthly_budget_usd))
    rows = []
    for name, result in ctx.results.items():
        rate = bought.rates.get(name)
        latency_cost = lam * Decimal(str(latency[name].mean_s))
        error_cost = total = None
        if rate is not None and spec.cost_per_error_usd is not None:
            error_cost = Decimal(str(rate)) * Decimal(str(spec.cost_per_error_usd))
            total = result.per_request_usd + error_cost + latency_cost
        rows.append(
            ExpectedCost(
                strategy=name,
                kind=result.kind,
                per_request_usd=result.per_request_usd,
                monthly_usd=result.monthly_paid_usd,
                error_rate=rate,
                error_rate_credited=not (bought.weighed and rate is None),
                error_rate_basis=bought.basis(name),
                error_cost_per_request_usd=error_cost,
                latency_cost_per_request_usd=latency_cost,
                total_per_request_usd=total,
                total_monthly_usd=None if total is None else total * ctx.requests,
                fits_budget=None if budget is None else result.monthly_paid_usd <= budget,
                fits_latency=latency[name].within_budget,
                context_share=result.context.fits_share,
                fits_context=result.context.fits_share >= spec.min_context_share,
            )
        )
    return rows
