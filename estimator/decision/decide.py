"""Decision support: is the premium strategy (Fusion or its likes) worth it for this workload?

Expected total cost per request = cost + error_rate x cost_per_error + lambda x latency. A
premium strategy P pays off against S when the price of an error exceeds the break-even
(C_P - C_S + lambda (L_P - L_S)) / (err_S - err_P) (arXiv:2507.03834). The verdict picks the
strategy with the lowest expected total that fits the monthly budget and the latency budget;
without error rates it cannot credit quality and says how much the premium strategy would have
to prevent to pay for itself. Each step is its own module; this one puts them together.
"""

from __future__ import annotations

from decimal import Decimal

from estimator.costing.ranges import RangeEffect
from estimator.decision.break_even import break_even
from estimator.decision.context import Context
from estimator.decision.evidence import EVIDENCE
from estimator.decision.expected import expected_costs
from estimator.decision.latency import latencies
from estimator.decision.quality import quality
from estimator.decision.sensitivity import sensitivity
from estimator.decision.uncertainty import uncertainty
from estimator.decision.verdict import verdict
from estimator.decision.whatif import cpe_axis, what_if
from estimator.documents.decision import Decision
from estimator.documents.estimate import StrategyResult
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario
from estimator.strategies.base import Strategy
from estimator.workload.profile import Profile


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def decide(
    scenario: Scenario,
    catalog: Catalog,
    profile: Profile,
    results: list[StrategyResult],
    strategies: list[Strategy],
    ranges: list[RangeEffect] | None = None,
    with_what_if: bool = False,
) -> Decision:
    """The decision; `with_what_if`: also the report's slider grid."""
    ctx = Context(
        scenario,
        catalog,
        profile,
        {r.name: r for r in results},
        {r.name: s for r, s in zip(results, strategies, strict=True)},
        ranges or [],
    )
    latency = latencies(ctx)
    bought = quality(ctx)
    expected = expected_costs(ctx, latency, bought)
    breaks = break_even(ctx, latency, bought)
    sure = uncertainty(ctx, expected, bought)
    found = verdict(ctx, expected, latency, bought, sure)
    axis = cpe_axis(breaks, ctx.spec.cost_per_error_usd, found.comparison)
    table: dict[str, dict[str, Decimal | None]] = {}
    for row in breaks:
        table.setdefault(row.premium, {})[row.versus] = row.usd_per_error
    spec = scenario.decision
    return Decision(
        verdict=found.verdict,
        reasons=found.reasons,
        premium_strategy=found.premium,
        chosen_strategy=found.chosen,
        subset_share=found.share,
        rest_strategy=found.rest,
        versus_strategy=found.versus,
        comparison=found.comparison,
        excluded=found.excluded,
        recommended_monthly_usd=found.monthly,
        recommended_monthly_high_usd=found.monthly_high,
        cost_per_error_usd=_decimal(spec.cost_per_error_usd),
        error_rate_source=spec.error_rate_source,
        value_of_latency_usd_per_s=spec.value_of_latency_usd_per_s,
        monthly_budget_usd=_decimal(spec.monthly_budget_usd),
        expected=expected,
        break_even=breaks,
        break_even_usd_per_error=table,
        latency_s=latency,
        sensitivity=sensitivity(ctx, found.premium) if found.premium else None,
        uncertainty=sure,
        what_if=what_if(ctx, axis) if with_what_if else None,
        cost_per_error_axis_usd=axis,
        evidence=list(EVIDENCE),
        pilot=None if spec.pilot is None else spec.pilot.model_dump(mode="json"),
    )
