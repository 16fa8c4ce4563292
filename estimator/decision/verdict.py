"""The verdict, by the rules docs/scenario.md states (in this order):

1. A strategy *fits* when its month is within `monthly_budget_usd`, its latency within
   `latency_budget_s`, at least `min_context_share` of requests fit its context, and (when
   error rates are weighed) its quality is credited (decision/quality.py).
2. Nothing fits: `nothing-fits`, naming the cheapest strategy per request.
3. Otherwise the best strategy that fits: the lowest expected total when error rates and a
   cost per error are given (ties: the first in the scenario), else the lowest cost.
4. A premium strategy (Fusion, self-consistency, a panel) with a lower expected total than
   that choice, which misses only the monthly and/or the latency budget and fits the context,
   carries part of the traffic (`<kind>-for-a-subset`): the best such one, for the share the
   budget leaves it (from 1%; no share when only latency stops it), the choice for the rest.
5. Else, with a `high_stakes` slice: of the premium strategies other than the choice that fit
   the context, the one that saves the most per request on that slice (it must save more than
   it costs there, and the mix must keep within the budget) carries the slice.

The verdict names the chosen strategy and the one alternative it beat: with a share, the
strategy for the rest; else the runner-up among the strategies that fit. Every reason is about
that pair, or says which strategy it is about. Reasons come out as data
(`Reason(kind, figures)`); renderers/reasons.py words them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from estimator.decision.break_even import pair_break_even
from estimator.decision.context import Context
from estimator.decision.quality import Quality
from estimator.documents.decision import (
    BreakEven,
    Comparison,
    Excluded,
    ExpectedCost,
    LatencyInfo,
    Reason,
    Uncertainty,
)
from estimator.strategies.registry import NOTHING_FITS, is_premium, kind

MIN_SHARE = 0.01  # a share of traffic below 1% is no recommendation


@dataclass
class Verdict:
    verdict: str
    chosen: str
    premium: str | None = None
    share: float | None = None
    reasons: list[Reason] = field(default_factory=list)
    rest: str | None = None  # with a share: the strategy the other requests go through
    monthly: Decimal | None = None  # what following the verdict costs a month in all
    monthly_high: Decimal | None = None  # a latency-only subset: the month if all went there
    versus: str | None = None  # the alternative the choice beat
    comparison: Comparison | None = None  # the chosen strategy against `versus` (or baseline)
    excluded: list[Excluded] = field(default_factory=list)


def reason(name: str, **figures: Any) -> Reason:
    return Reason(kind=name, figures=figures)


def problems(row: ExpectedCost) -> list[str]:
    """Why a strategy does not fit: over_budget, too_slow, context (too few requests fit),
    unrated (error rates are weighed but its quality cannot be credited)."""
    found = []
    if row.fits_budget is False:
        found.append("over_budget")
    if row.fits_latency is False:
        found.append("too_slow")
    if not row.fits_context:
        found.append("context")
    if not row.error_rate_credited:
        found.append("unrated")
    return found


def fits(row: ExpectedCost) -> bool:
    return not problems(row)


def key(row: ExpectedCost) -> Decimal:
    """What the verdict minimises: the expected total when error rates are weighed, else cost."""
    return (
        row.total_per_request_usd if row.total_per_request_usd is not None else row.per_request_usd
    )


def _weighed(ctx: Context, bought: Quality) -> bool:
    return ctx.spec.cost_per_error_usd is not None and bought.weighed


def verdict(
    ctx: Context,
    expected: list[ExpectedCost],
    latency: dict[str, LatencyInfo],
    bought: Quality,
    sure: Uncertainty | None = None,
) -> Verdict:
    """Error rates are given for every strategy or none (the scenario refuses a partial set);
    a strategy whose quality cannot be credited is left out when they are weighed."""
    weighed = _weighed(ctx, bought)
    feasible = [r for r in expected if fits(r)]
    if not feasible:  # the cheapest: the one that misses a budget by the least money
        cheapest = min(expected, key=lambda r: r.per_request_usd)
        found = Verdict(NOTHING_FITS, cheapest.strategy)
        found.reasons.append(_nothing_fits(ctx, expected, cheapest))
    else:
        found = _choose(ctx, expected, feasible, weighed, latency)
    found.premium = _premium(found, expected)
    if bought.uncredited:
        found.reasons.append(_not_credited(bought))
    if found.verdict != NOTHING_FITS:
        found.comparison = _comparison(ctx, found, expected, latency)
        found.reasons += _pair_reasons(ctx, found.comparison, weighed)
    if sure is not None:
        found.reasons.append(_how_sure(sure, found))
    found.reasons += _budget_reasons(ctx, expected, latency)
    return found


def _choose(
    ctx: Context,
    expected: list[ExpectedCost],
    feasible: list[ExpectedCost],
    weighed: bool,
    latency: dict[str, LatencyInfo],
) -> Verdict:
    """Rules 3-5: the best that fits, unless a premium strategy carries part of the traffic."""
    best = min(feasible, key=key)
    others = [r for r in feasible if r is not best]
    runner_up = min(others, key=key) if others else None
    found = Verdict(kind(best.kind).verdict, best.strategy)
    found.versus = None if runner_up is None else runner_up.strategy
    found.monthly = best.monthly_usd
    lead: Reason | None = None
    if weighed:
        lead = _subset(ctx, found, expected, best)
        if lead is None and ctx.spec.high_stakes is not None:
            lead = _high_stakes_slice(ctx, found, expected, best)
    found.excluded = [
        _excluded(r, latency[r.strategy])
        for r in sorted(expected, key=key)
        if not fits(r) and r.strategy != found.chosen and r.error_rate_credited
        if key(r) < key(best)
    ]
    if lead is None:
        lead = _best_reason(ctx, best, runner_up, weighed)
    lead.figures |= _limits(ctx) | {"excluded": found.excluded}
    found.reasons.insert(0, lead)
    return found


def _limits(ctx: Context) -> dict[str, Any]:
    """The limits a left-out strategy missed, for the lead reason's words."""
    spec = ctx.spec
    budget_s = spec.latency_budget_s
    return {
        "budget_usd": None
        if spec.monthly_budget_usd is None
        else Decimal(str(spec.monthly_budget_usd)),
        "budget_p50_s": None if budget_s is None else budget_s.p50,
        "budget_p95_s": None if budget_s is None else budget_s.p95,
        "min_context_share": spec.min_context_share,
    }


def _subset_candidates(
    ctx: Context, expected: list[ExpectedCost], best: ExpectedCost
) -> list[tuple[ExpectedCost, float | None]]:
    """Rule 4's candidates with the share the budget leaves each (None: only too slow)."""
    found = []
    for row in expected:
        missing = set(problems(row))
        if not missing or missing - {"over_budget", "too_slow"} or not is_premium(row.kind):
            continue
        if kind(row.kind).subset_verdict is None or key(row) >= key(best):
            continue
        share = _budget_share(ctx, row, best) if "over_budget" in missing else None
        if share is None and "over_budget" in missing:
            continue
        if share is not None and share < MIN_SHARE:
            continue
        found.append((row, share))
    return found


def _subset(
    ctx: Context, found: Verdict, expected: list[ExpectedCost], best: ExpectedCost
) -> Reason | None:
    """Rule 4: the premium strategy that is the best buy per request but cannot carry all of
    the traffic carries part of it; the best strategy that fits carries the rest."""
    options = _subset_candidates(ctx, expected, best)
    if not options:
        return None
    premium, share = min(options, key=lambda option: key(option[0]))
    found.verdict = kind(premium.kind).subset_verdict or ""
    found.chosen, found.share, found.rest, found.versus = (
        premium.strategy,
        share,
        best.strategy,
        best.strategy,
    )
    if share is not None:
        mix = Decimal(str(share))
        found.monthly = mix * premium.monthly_usd + (1 - mix) * best.monthly_usd
    else:  # only latency stops it: as much as the requests that can wait
        found.monthly, found.monthly_high = best.monthly_usd, premium.monthly_usd
    return reason(
        "route_a_subset",
        strategy=premium.strategy,
        total_per_request_usd=premium.total_per_request_usd,
        versus=best.strategy,
        versus_total_usd=best.total_per_request_usd,
        problems=problems(premium),
        share=share,
        mix_monthly_usd=found.monthly if share is not None else None,
        rest_monthly_usd=best.monthly_usd,
        all_monthly_usd=premium.monthly_usd,
        high_stakes=ctx.spec.high_stakes is not None,
    )


def _budget_share(ctx: Context, premium: ExpectedCost, alt: ExpectedCost) -> float | None:
    """The share of traffic the monthly budget leaves a premium strategy over `alt`, rounded
    down to a whole percent (what "up to" promises keeps within the budget)."""
    budget = ctx.spec.monthly_budget_usd
    f, a = premium.monthly_usd, alt.monthly_usd
    if budget is None or f <= a:
        return None
    share = max(0.0, min(1.0, float((Decimal(str(budget)) - a) / (f - a))))
    return math.floor(share * 100 + 1e-9) / 100


def _high_stakes_slice(
    ctx: Context, found: Verdict, expected: list[ExpectedCost], best: ExpectedCost
) -> Reason | None:
    """Rule 5: the high-stakes slice through the premium strategy that gains the most there."""
    found_all = [
        high
        for row in expected
        if row is not best and is_premium(row.kind) and row.fits_context
        if row.error_rate is not None and kind(row.kind).subset_verdict is not None
        for high in [_high_stakes(ctx, row, best)]
        if high is not None
    ]
    options = [h for h in found_all if h.kind == "high_stakes"]
    if not options:
        blocked = [h for h in found_all if h.kind == "high_stakes_over_budget"]
        found.reasons += blocked[:1]  # the slice would pay, but not within the budget
        return None
    high = max(options, key=_net_gain)  # max keeps the first of equals: scenario order
    chosen = next(r for r in expected if r.strategy == high.figures["strategy"])
    found.verdict, found.chosen = kind(chosen.kind).subset_verdict or "", chosen.strategy
    assert ctx.spec.high_stakes is not None
    found.share, found.rest = ctx.spec.high_stakes.share, best.strategy
    found.versus = best.strategy
    found.monthly = Decimal(str(high.figures["monthly_usd"]))
    return high


def _net_gain(high: Reason) -> Decimal:
    """What routing the high-stakes slice through a strategy saves per request there."""
    figures = high.figures
    return Decimal(str(figures["prevented_usd"])) - Decimal(str(figures["extra_usd"]))


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
    monthly = (alt.per_request_usd + share * (premium.per_request_usd - alt.per_request_usd)) * (
        ctx.requests
    )
    budget = ctx.spec.monthly_budget_usd
    over = budget is not None and monthly > Decimal(str(budget))
    return reason(
        "high_stakes_over_budget" if over else "high_stakes",
        strategy=premium.strategy,
        versus=alt.strategy,
        share=hs.share,
        cost_per_error_usd=Decimal(str(hs.cost_per_error_usd)),
        prevented_usd=gain,
        extra_usd=extra,
        monthly_usd=monthly,
        budget_usd=None if budget is None else Decimal(str(budget)),
    )


def _excluded(row: ExpectedCost, latency: LatencyInfo) -> Excluded:
    """A strategy cheaper (including errors, when weighed) than the choice that does not fit,
    and the figures that say why."""
    return Excluded(
        strategy=row.strategy,
        per_request_usd=key(row),
        problems=problems(row),
        monthly_usd=row.monthly_usd,
        p50_s=latency.p50_s,
        p95_s=latency.p95_s,
        context_share=row.context_share,
    )


def _premium(found: Verdict, expected: list[ExpectedCost]) -> str | None:
    """The premium strategy the decision is about (sensitivity, the kind's label): the chosen
    one, else the one it beat, else the best buy among those whose requests fit."""
    rows = {r.strategy: r for r in expected}
    for name in (found.chosen, found.versus):
        if name is not None and is_premium(rows[name].kind):
            return name
    premiums = [r for r in expected if is_premium(r.kind)]
    fitting = [r for r in premiums if r.fits_context]
    best = min(fitting or premiums, key=key, default=None)
    return None if best is None else best.strategy


def _comparison(
    ctx: Context, found: Verdict, expected: list[ExpectedCost], latency: dict[str, LatencyInfo]
) -> Comparison | None:
    """The chosen strategy against the one it beat; without one, against your baseline."""
    versus, against = found.versus, "beat"
    if versus is None:
        versus, against = ctx.scenario.baseline_name, "baseline"
    if versus == found.chosen:
        return None
    rows = {r.strategy: r for r in expected}
    chosen, other = rows[found.chosen], rows[versus]
    multiplier = (
        float(chosen.per_request_usd / other.per_request_usd) if other.per_request_usd else None
    )
    return Comparison(
        strategy=chosen.strategy,
        versus=other.strategy,
        against=against,
        per_request_usd=chosen.per_request_usd,
        versus_per_request_usd=other.per_request_usd,
        multiplier=multiplier,
        monthly_delta_usd=(chosen.per_request_usd - other.per_request_usd) * ctx.requests,
        requests_per_month=float(ctx.requests),
        break_even=pair_break_even(ctx, chosen, other, latency),
    )


def _pair_reasons(ctx: Context, pair: Comparison | None, weighed: bool) -> list[Reason]:
    """What the choice costs against the strategy it beat, and when the dearer one pays."""
    if pair is None:
        return []
    found = [reason("pair_cost", **pair.model_dump(exclude={"break_even"}))]
    row = pair.break_even
    if row is not None:
        found.append(_break_even_reason(ctx, row, weighed))
    return found


def _break_even_reason(ctx: Context, row: BreakEven, weighed: bool) -> Reason:
    cost_per_error = ctx.spec.cost_per_error_usd
    stated = None if cost_per_error is None else Decimal(str(cost_per_error))
    common = {"strategy": row.premium, "versus": row.versus}
    if row.delta_error_rate is not None:
        if row.delta_error_rate <= 0:
            return reason("never_pays", **common, delta_error_rate=row.delta_error_rate)
        return reason(
            "break_even",
            **common,
            usd_per_error=row.usd_per_error,
            stated_usd_per_error=stated or None,
            delta_error_rate=row.delta_error_rate,
        )
    if row.one_wrong_answer_in is not None:
        return reason(
            "must_prevent",
            **common,
            cost_per_error_usd=stated,
            one_wrong_answer_in=row.one_wrong_answer_in,
            required_error_reduction=row.required_error_reduction,
        )
    return reason(
        "give_error_rates",
        **common,
        delta_cost_per_request_usd=row.delta_cost_per_request_usd,
        pays_at_reduction=row.pays_at_reduction,
    )


def _best_reason(
    ctx: Context, best: ExpectedCost, runner_up: ExpectedCost | None, weighed: bool
) -> Reason:
    if not weighed:
        return reason(
            "cheapest_that_fits",
            strategy=best.strategy,
            per_request_usd=best.per_request_usd,
            rates_given=bool(ctx.spec.error_rates()),
            premium_present=any(is_premium(r.kind) for r in ctx.results.values()),
            runner_up=None if runner_up is None else runner_up.strategy,
            runner_up_per_request_usd=None if runner_up is None else runner_up.per_request_usd,
        )
    return reason(
        "lowest_expected_total",
        strategy=best.strategy,
        total_per_request_usd=best.total_per_request_usd,
        cost_per_error_usd=Decimal(str(ctx.spec.cost_per_error_usd)),
        runner_up=None if runner_up is None else runner_up.strategy,
        runner_up_total_usd=None if runner_up is None else runner_up.total_per_request_usd,
    )


def _not_credited(bought: Quality) -> Reason:
    return reason(
        "not_credited",
        strategies=sorted(bought.uncredited),
        models={name: [model] for name, model in sorted(bought.uncredited.items())},
    )


def _how_sure(sure: Uncertainty, found: Verdict) -> Reason:
    """The probability the leader is the best buy, what would settle it, and the break-even
    of the verdict's pair as an interval."""
    pair = found.comparison
    names = set() if pair is None else {pair.strategy, pair.versus}
    interval = next(
        (b for b in sure.break_even if {b.premium, b.versus} == names),
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
        monthly_usd=best.monthly_usd,
        problems={r.strategy: problems(r) for r in expected},
        context_shares={r.strategy: r.context_share for r in expected if not r.fits_context},
        min_context_share=ctx.spec.min_context_share,
    )


def _budget_reasons(
    ctx: Context, expected: list[ExpectedCost], latency: dict[str, LatencyInfo]
) -> list[Reason]:
    spec = ctx.spec
    reasons = []
    if spec.monthly_budget_usd is not None:
        budget = Decimal(str(spec.monthly_budget_usd))
        over = [r for r in expected if r.fits_budget is False]
        if over:
            worst = max(over, key=lambda r: r.monthly_usd)
            reasons.append(
                reason(
                    "over_budget",
                    budget_usd=budget,
                    over=[r.strategy for r in over],
                    worst=worst.strategy,
                    worst_monthly_usd=worst.monthly_usd,
                )
            )
        else:
            reasons.append(reason("within_budget", budget_usd=budget))
    budget_s = spec.latency_budget_s
    if budget_s is not None:
        for name, info in latency.items():
            if info.within_budget is False:
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
