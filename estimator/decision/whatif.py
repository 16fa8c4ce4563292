"""The report's what-if grid: the decision made again at every stop of the page's sliders
(volume, cost per wrong answer, invocation rate) with the very functions of the estimate
(expected costs, break-even, the verdict), so the page looks its figures up instead of
recomputing them with formulas copied into JavaScript.

A strategy that runs on a share of requests costs rate x (its cost when it runs) + (1 - rate)
x (when it does not), exactly: its plan is those two branches. Latency is recomputed for each
rate from the strategy at that rate. Each slider's own value (the scenario's) is one of its
stops, so "reset" shows the estimate itself.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from estimator.costing.strategy import billing_fees
from estimator.decision.break_even import break_even
from estimator.decision.context import Context
from estimator.decision.expected import expected_costs
from estimator.decision.latency import latencies
from estimator.decision.quality import quality
from estimator.decision.verdict import verdict
from estimator.documents.common import nice_max
from estimator.documents.decision import BreakEven, Comparison, LatencyInfo, WhatIf, WhatIfPoint
from estimator.strategies.registry import kind

VOLUME_FACTORS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
CPE_STOPS = 10  # evenly over the decision chart's x axis
RATE_STOPS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


AXIS_ROOM = 1.25  # the axis runs a quarter past the farthest mark, so every mark is inside


def cpe_axis(
    breaks: list[BreakEven], cost_per_error: float | None, pair: Comparison | None = None
) -> float:
    """The top of the cost-per-error slider and the decision chart's axis: just past the
    largest break-even (the table's and the verdict's pair's) and your cost per error,
    rounded up, so every break-even and your figure are on the chart and spread across it."""
    marks = [float(b.usd_per_error) for b in breaks if b.usd_per_error is not None]
    if pair is not None and pair.break_even is not None and pair.break_even.usd_per_error:
        marks.append(float(pair.break_even.usd_per_error))
    if cost_per_error is not None:
        marks.append(cost_per_error)
    return nice_max(AXIS_ROOM * max([m for m in marks if m > 0], default=8.0))


def _axis(values: list[float], own: float | None) -> list[float]:
    return sorted(set(values) | ({own} if own is not None else set()))


def _at_rate(ctx: Context, rate: float) -> Context:
    """The strategies that run on a share of requests at `rate`, priced exactly."""
    results, strategies = {}, {}
    for name, result in ctx.results.items():
        strategy = ctx.strategies[name]
        registered = kind(result.kind)
        if registered.invoked is None or result.invoked_per_request_usd is None:
            results[name], strategies[name] = result, strategy
            continue
        share = Decimal(str(rate))
        assert result.plain_per_request_usd is not None
        per_request = (
            share * result.invoked_per_request_usd + (1 - share) * result.plain_per_request_usd
        )
        results[name] = result.model_copy(
            update={
                "per_request_usd": per_request,
                "monthly_usd": per_request * ctx.requests,
                "invocation_rate": rate,
            }
        )
        strategies[name] = registered.invoked(strategy, rate)
    return dataclasses.replace(ctx, results=results, strategies=strategies)


def _at(ctx: Context, requests: float, cost_per_error: float | None) -> Context:
    volume = Decimal(repr(requests))
    spec = ctx.spec.model_copy(update={"cost_per_error_usd": cost_per_error})
    scenario = ctx.scenario.model_copy(update={"decision": spec})
    results = {}
    for name, r in ctx.results.items():
        monthly = r.per_request_usd * volume
        fees = billing_fees(ctx.scenario.billing, monthly)  # the budget counts them at this volume
        results[name] = r.model_copy(update={"monthly_usd": monthly, "fees": fees})
    profile = dataclasses.replace(ctx.profile, requests_per_month=volume)
    return dataclasses.replace(ctx, scenario=scenario, profile=profile, results=results)


def _decisions(
    at_rate: Context,
    latency: dict[str, LatencyInfo],
    r_index: int,
    volumes: list[float],
    cpes: list[float | None],
) -> tuple[
    dict[str, list[Decimal | None]],
    dict[str, list[list[Decimal | None]]],
    list[Any],
    dict[str, list[bool | None]],
]:
    """At one rate: each strategy's total per request at each cost per error, its month at
    each (volume, cost per error), and the verdict at each."""
    totals: dict[str, list[Decimal | None]] = {}
    months: dict[str, list[list[Decimal | None]]] = {}
    fits: dict[str, list[bool | None]] = {}
    points = []
    for v_index, volume in enumerate(volumes):
        for c_index, cpe in enumerate(cpes):
            point = _at(at_rate, volume, cpe)
            bought = quality(point)
            expected = expected_costs(point, latency, bought)
            for cost in expected:
                if v_index == 0:  # a total per request does not depend on the volume
                    totals.setdefault(cost.strategy, []).append(cost.total_per_request_usd)
                if c_index == 0:  # nor does fitting the budget on the cost per error
                    fits.setdefault(cost.strategy, []).append(cost.fits_budget)
                rows = months.setdefault(cost.strategy, [[] for _ in volumes])
                rows[v_index].append(cost.total_monthly_usd)
            chosen = verdict(point, expected, latency, bought)
            points.append(
                WhatIfPoint(
                    rate=r_index,
                    volume=v_index,
                    cost_per_error=c_index,
                    verdict=chosen.verdict,
                    chosen=chosen.chosen,
                    share=chosen.share,
                    reasons=chosen.reasons,
                    rest=chosen.rest,
                    versus=chosen.versus,
                    monthly_usd=chosen.monthly,
                    monthly_high_usd=chosen.monthly_high,
                    comparison=chosen.comparison,
                )
            )
    return totals, months, points, fits


def what_if(ctx: Context, cpe_max: float) -> WhatIf:
    own_rate = next(
        (r.invocation_rate for r in ctx.results.values() if r.invocation_rate is not None), None
    )
    own_cpe = ctx.spec.cost_per_error_usd
    base = float(ctx.requests)
    volumes = _axis([round(base * f) for f in VOLUME_FACTORS], base)
    cpes: list[float] = []
    if ctx.spec.error_rates():
        cpes = _axis([cpe_max * i / CPE_STOPS for i in range(CPE_STOPS + 1)], own_cpe)
    rates = _axis(list(RATE_STOPS), own_rate) if own_rate is not None else []
    per_request: dict[str, list[Decimal]] = {}
    monthly: dict[str, list[list[Decimal]]] = {}
    totals: dict[str, list[list[Decimal | None]]] = {}
    total_months: dict[str, list[list[list[Decimal | None]]]] = {}
    multipliers: dict[str, list[float | None]] = {}
    fits_budget: dict[str, list[list[bool | None]]] = {}
    breaks: dict[str, list[Decimal | None]] = {}
    points: list[WhatIfPoint] = []
    for r_index, rate in enumerate(rates or [None]):
        at_rate = _at_rate(ctx, rate) if rate is not None else ctx
        latency = latencies(at_rate)
        baseline = at_rate.results[ctx.scenario.baseline_name].per_request_usd
        for name, result in at_rate.results.items():
            per_request.setdefault(name, []).append(result.per_request_usd)
            ratio = float(result.per_request_usd / baseline) if baseline else None
            multipliers.setdefault(name, []).append(ratio)
            monthly.setdefault(name, []).append(
                [result.per_request_usd * Decimal(repr(v)) for v in volumes]
            )
        for row in break_even(at_rate, latency):
            breaks.setdefault(f"{row.premium}\n{row.versus}", []).append(row.usd_per_error)
        found, months, more, fitting = _decisions(
            at_rate, latency, r_index, volumes, list(cpes) or [own_cpe]
        )
        for name, values in found.items():
            totals.setdefault(name, []).append(values)
            total_months.setdefault(name, []).append(months[name])
            fits_budget.setdefault(name, []).append(fitting[name])
        points += more
    return WhatIf(
        volumes=volumes,
        costs_per_error=cpes,
        rates=rates,
        per_request_usd=per_request,
        monthly_usd=monthly,
        total_per_request_usd=totals,
        total_monthly_usd=total_months,
        multiplier_vs_baseline=multipliers,
        fits_budget=fits_budget,
        break_even_usd_per_error=breaks,
        points=points,
    )
