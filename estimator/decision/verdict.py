"""The verdict: the strategy with the lowest expected total per request that fits the monthly
budget and the latency budget; a premium strategy (Fusion, self-consistency, a hand-rolled
panel) for part of the traffic when it is the best buy per request but cannot carry all of it,
or when a high-stakes slice pays for it. Reasons come out as data (`Reason(kind, figures)`);
renderers/reasons.py words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from estimator.decision.context import Context
from estimator.documents.decision import (
    BreakEven,
    ExpectedCost,
    LatencyInfo,
    Reason,
    Uncertainty,
)
from estimator.strategies.registry import NOTHING_FITS, is_premium, kind


@dataclass
class Verdict:
    verdict: str
    chosen: str
    premium: str | None
    share: float | None
    reasons: list[Reason] = field(default_factory=list)
    rest: str | None = None  # with a share: the strategy the other requests go through
    monthly: Decimal | None = None  # what following the verdict costs a month in all


def reason(name: str, **figures: Any) -> Reason:
    return Reason(kind=name, figures=figures)


def problems(row: ExpectedCost) -> list[str]:
    """Why a strategy does not fit: over_budget, too_slow, context (too few requests fit)."""
    found = []
    if row.fits_budget is False:
        found.append("over_budget")
    if row.fits_latency is False:
        found.append("too_slow")
    if not row.fits_context:
        found.append("context")
    return found


def fits(row: ExpectedCost) -> bool:
    return not problems(row)


def key(row: ExpectedCost) -> Decimal:
    """What the verdict minimises: the expected total when error rates are known, else cost."""
    return (
        row.total_per_request_usd if row.total_per_request_usd is not None else row.per_request_usd
    )


def verdict(
    ctx: Context,
    expected: list[ExpectedCost],
    latency: dict[str, LatencyInfo],
    breaks: list[BreakEven],
    sure: Uncertainty | None = None,
) -> Verdict:
    """Error rates are given for every strategy or none (the scenario refuses a partial set),
    so every strategy is ranked. Nothing fitting is its own verdict, naming the cheapest."""
    spec = ctx.spec
    quality_known = spec.cost_per_error_usd is not None and bool(spec.error_rates())
    feasible = [r for r in expected if fits(r)]
    premiums = [r for r in expected if is_premium(r.kind)]
    # the premium strategy a subset could go through: one whose requests fit its context
    premium = min((r for r in premiums if r.fits_context), key=key, default=None)
    if not feasible:  # the cheapest: the one that misses a budget by the least money
        best = min(expected, key=lambda r: r.per_request_usd)
        found = Verdict(NOTHING_FITS, best.strategy, None, None)
        found.reasons.append(_nothing_fits(ctx, expected, best))
    else:
        best = min(feasible, key=key)
        found = Verdict(kind(best.kind).verdict, best.strategy, None, None)
    if premium is not None:
        if feasible and quality_known and not is_premium(best.kind):
            premium = _premium_for_a_subset(ctx, found, premium, best, premiums)
        found.reasons.append(_premium_cost(ctx, premium))
    if found.verdict == kind(best.kind).verdict:
        found.reasons.insert(0, _best_reason(ctx, best, premium, quality_known))
    found.reasons += _break_even_reasons(ctx, breaks, premium, best)
    if sure is not None:
        found.reasons.append(_how_sure(sure, premium))
    found.reasons += _budget_reasons(ctx, expected, latency)
    if premium is None and premiums:
        premium = min(premiums, key=key)
    found.premium = premium.strategy if premium else None
    if found.monthly is None and found.verdict != NOTHING_FITS:
        found.monthly = ctx.results[found.chosen].monthly_usd
    return found


def _how_sure(sure: Uncertainty, premium: ExpectedCost | None) -> Reason:
    """The probability the leader is the best buy, and what would settle it."""
    interval = next(
        (b for b in sure.break_even if premium is not None and b.premium == premium.strategy),
        None,
    )
    return reason(
        "how_sure",
        leader=sure.leader,
        probability=sure.leader_probability,
        target=sure.settle_target,
        more_samples=sure.more_samples_to_settle,
        premium=None if interval is None else interval.premium,
        versus=None if interval is None else interval.versus,
        break_even_low_usd=None if interval is None else interval.low_usd,
        break_even_high_usd=None if interval is None else interval.high_usd,
    )


def _nothing_fits(ctx: Context, expected: list[ExpectedCost], best: ExpectedCost) -> Reason:
    return reason(
        "nothing_fits",
        strategy=best.strategy,
        per_request_usd=best.per_request_usd,
        monthly_usd=ctx.results[best.strategy].monthly_usd,
        problems={r.strategy: problems(r) for r in expected},
        context_shares={r.strategy: r.context_share for r in expected if not r.fits_context},
        min_context_share=ctx.spec.min_context_share,
    )


def _premium_cost(ctx: Context, premium: ExpectedCost) -> Reason:
    result, base = ctx.results[premium.strategy], ctx.results[ctx.scenario.baseline_name]
    extra = (result.per_request_usd - base.per_request_usd) * ctx.requests
    return reason(
        "premium_cost",
        strategy=result.name,
        per_request_usd=result.per_request_usd,
        multiplier=result.multiplier_vs_baseline,
        baseline=base.name,
        baseline_per_request_usd=base.per_request_usd,
        monthly_delta_usd=extra,
        requests_per_month=float(ctx.requests),
    )


def _best_reason(
    ctx: Context, best: ExpectedCost, premium: ExpectedCost | None, quality_known: bool
) -> Reason:
    if not quality_known:
        return reason(
            "cheapest_that_fits",
            strategy=best.strategy,
            per_request_usd=best.per_request_usd,
            rates_given=bool(ctx.spec.error_rates()),
        )
    return reason(
        "lowest_expected_total",
        strategy=best.strategy,
        premium_kind=is_premium(best.kind),
        total_per_request_usd=best.total_per_request_usd,
        cost_per_error_usd=Decimal(str(ctx.spec.cost_per_error_usd)),
        runner_up=None if premium is None or premium is best else premium.strategy,
        runner_up_total_usd=None if premium is None else premium.total_per_request_usd,
    )


def _premium_for_a_subset(
    ctx: Context,
    found: Verdict,
    premium: ExpectedCost,
    alt: ExpectedCost,
    premiums: list[ExpectedCost],
) -> ExpectedCost:
    """The premium strategy is the best buy per request but cannot carry all traffic, or a
    high-stakes slice pays for one: route part of the traffic through it. Returns the premium
    strategy the reasons are about (for the slice: the one that gains the most there)."""
    subset = kind(premium.kind).subset_verdict
    if subset is not None and key(premium) < key(alt):
        share = _subset_share(ctx, premium, alt)
        found.verdict, found.chosen, found.share = subset, premium.strategy, share
        found.rest = alt.strategy
        if share is not None:
            mix = Decimal(str(share))
            found.monthly = (
                mix * ctx.results[premium.strategy].monthly_usd
                + (1 - mix) * ctx.results[alt.strategy].monthly_usd
            )
        found.reasons.insert(
            0,
            reason(
                "route_a_subset",
                strategy=premium.strategy,
                total_per_request_usd=premium.total_per_request_usd,
                versus=alt.strategy,
                versus_total_usd=alt.total_per_request_usd,
                problems=problems(premium),
                share=share,
                mix_monthly_usd=found.monthly,
            ),
        )
        return premium
    if ctx.spec.high_stakes is None:
        return premium
    options = [
        (row, high)
        for row in premiums
        if row.fits_context and kind(row.kind).subset_verdict is not None
        for high in [_high_stakes(ctx, row, alt)]
        if high is not None
    ]
    if not options:
        return premium
    chosen, high = max(options, key=lambda o: _net_gain(o[1]))
    found.verdict, found.chosen = kind(chosen.kind).subset_verdict or "", chosen.strategy
    found.share, found.rest = ctx.spec.high_stakes.share, alt.strategy
    found.monthly = Decimal(str(high.figures["monthly_usd"]))
    found.reasons.insert(0, high)
    return chosen


def _net_gain(high: Reason) -> Decimal:
    """What routing the high-stakes slice through a strategy saves per request there."""
    figures = high.figures
    return Decimal(str(figures["prevented_usd"])) - Decimal(str(figures["extra_usd"]))


def _subset_share(ctx: Context, premium: ExpectedCost, alt: ExpectedCost) -> float | None:
    budget = ctx.spec.monthly_budget_usd
    if budget is None or premium.fits_budget is not False:
        return None
    f, a = ctx.results[premium.strategy].monthly_usd, ctx.results[alt.strategy].monthly_usd
    if f <= a:
        return None
    return max(0.0, min(1.0, float((Decimal(str(budget)) - a) / (f - a))))


def _high_stakes(ctx: Context, premium: ExpectedCost, alt: ExpectedCost) -> Reason | None:
    hs = ctx.spec.high_stakes
    assert hs is not None and premium.error_rate is not None and alt.error_rate is not None
    gap = Decimal(str(alt.error_rate)) - Decimal(str(premium.error_rate))
    gain = gap * Decimal(str(hs.cost_per_error_usd))
    extra = (
        premium.per_request_usd
        - alt.per_request_usd
        + (premium.latency_cost_per_request_usd - alt.latency_cost_per_request_usd)
    )
    if gain <= extra:
        return None
    share = Decimal(str(hs.share))
    delta = premium.per_request_usd - alt.per_request_usd
    monthly = (alt.per_request_usd + share * delta) * ctx.requests
    budget = ctx.spec.monthly_budget_usd
    if budget is not None and monthly > Decimal(str(budget)):
        return None
    return reason(
        "high_stakes",
        strategy=premium.strategy,
        share=hs.share,
        cost_per_error_usd=Decimal(str(hs.cost_per_error_usd)),
        prevented_usd=gain,
        extra_usd=extra,
        monthly_usd=monthly,
    )


def _break_even_reasons(
    ctx: Context, breaks: list[BreakEven], premium: ExpectedCost | None, best: ExpectedCost
) -> list[Reason]:
    if premium is None:
        return []
    versus = best.strategy if not is_premium(best.kind) else ctx.scenario.baseline_name
    mine = [b for b in breaks if b.premium == premium.strategy]
    row = next((b for b in mine if b.versus == versus), mine[0] if mine else None)
    if row is None:
        return []
    cost_per_error = ctx.spec.cost_per_error_usd
    stated = None if cost_per_error is None else Decimal(str(cost_per_error))
    common = {"strategy": premium.strategy, "versus": row.versus}
    if row.usd_per_error is not None:
        return [
            reason(
                "break_even",
                **common,
                usd_per_error=row.usd_per_error,
                stated_usd_per_error=stated or None,
                delta_error_rate=row.delta_error_rate or 0.0,
            )
        ]
    if row.one_wrong_answer_in is not None:
        return [
            reason(
                "must_prevent",
                **common,
                cost_per_error_usd=stated,
                one_wrong_answer_in=row.one_wrong_answer_in,
                required_error_reduction=row.required_error_reduction,
            )
        ]
    return [
        reason(
            "give_error_rates",
            **common,
            delta_cost_per_request_usd=row.delta_cost_per_request_usd,
            pays_at_reduction=row.pays_at_reduction,
        )
    ]


def _budget_reasons(
    ctx: Context, expected: list[ExpectedCost], latency: dict[str, LatencyInfo]
) -> list[Reason]:
    spec = ctx.spec
    reasons = []
    if spec.monthly_budget_usd is not None:
        budget = Decimal(str(spec.monthly_budget_usd))
        over = [r.strategy for r in expected if r.fits_budget is False]
        if over:
            worst = max(over, key=lambda n: ctx.results[n].monthly_usd)
            reasons.append(
                reason(
                    "over_budget",
                    budget_usd=budget,
                    over=over,
                    worst=worst,
                    worst_monthly_usd=ctx.results[worst].monthly_usd,
                )
            )
        else:
            reasons.append(reason("within_budget", budget_usd=budget))
    budget_s = spec.latency_budget_s
    if budget_s is not None:
        slow = [n for n, info in latency.items() if info.within_budget is False]
        for name in slow[:2]:
            info = latency[name]
            reasons.append(
                reason(
                    "too_slow",
                    strategy=name,
                    p50_s=info.p50_s,
                    p95_s=info.p95_s,
                    budget_p50_s=budget_s.p50,
                    budget_p95_s=budget_s.p95,
                )
            )
    return reasons
