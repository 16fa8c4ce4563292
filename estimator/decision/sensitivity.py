"""Sensitivity: how a premium strategy's monthly premium over the baseline moves across the
user's input ranges when the scenario gives `{low, high}` values (the same points the monthly
band is built from, so the two agree on what moves the figure), else when each driver moves
-50% / +50% (the workload's own drivers, then the kind's: Fusion's tool steps, panel
answers...); its cost at 1-8 parallel members, and the Pareto frontier of (monthly cost,
error rate) when error rates are given."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

from estimator.costing.integrate import expected_per_request
from estimator.costing.quadrature import COARSE
from estimator.decision.context import Context
from estimator.decision.quality import quality
from estimator.documents.decision import PanelPoint, Sensitivity, TornadoRow
from estimator.strategies.base import Strategy
from estimator.strategies.registry import is_premium, kind
from estimator.workload.profile import Profile

VARIATION = 0.5
PANEL_SIZES = range(1, 9)
# the workload's drivers: (name, the profile with it scaled)
WORKLOAD_DRIVERS: tuple[tuple[str, Callable[[Profile, Decimal], Profile]], ...] = (
    ("input tokens", lambda p, f: dataclasses.replace(p, input=p.input.scaled(f))),
    ("output tokens", lambda p, f: dataclasses.replace(p, output=p.output.scaled(f))),
)
# ...and after the kind's own drivers
VOLUME: tuple[str, Callable[[Profile, Decimal], Profile]] = (
    "volume",
    lambda p, f: dataclasses.replace(p, requests_per_month=p.requests_per_month * f),
)


def sensitivity(ctx: Context, premium_name: str) -> Sensitivity:
    premium = ctx.strategies[premium_name]
    registered = kind(premium.kind)
    base_name = ctx.scenario.baseline_name
    if base_name == premium_name:
        base_name = next((n for n, r in ctx.results.items() if not is_premium(r.kind)), base_name)
    baseline = ctx.strategies[base_name]
    profile, catalog = ctx.profile, ctx.catalog

    priced: dict[tuple[int, ...], tuple[Decimal, Strategy, Profile]] = {}

    def cost(s: Strategy, p: Profile) -> Decimal:  # a coarser grid: many variants are priced
        """Per request, priced once per strategy and token profile: the volume driver and
        the kind's own drivers reuse the baseline's figure. The entry holds the objects, so
        no id is reused while the table lives."""
        key = (id(s), id(p.input), id(p.output), id(p.reasoning), id(p.hours))
        if key not in priced:
            priced[key] = (expected_per_request(s, p, catalog, COARSE), s, p)
        return priced[key][0]

    def delta(f: Strategy, p: Profile) -> Decimal:
        return (cost(f, p) - cost(baseline, p)) * p.requests_per_month

    if ctx.ranges:  # the user's own ranges: the same points the monthly band is built from
        rows = _range_rows(ctx, premium_name, base_name)
    else:
        rows = _default_rows(ctx, premium, delta)
    rows.sort(key=lambda r: r.impact_usd, reverse=True)
    sweep = []
    if registered.resize is not None:
        for size in PANEL_SIZES:
            per_request = cost(registered.resize(premium, size), profile)
            sweep.append(
                PanelPoint(
                    size=size,
                    per_request_usd=per_request,
                    monthly_usd=per_request * profile.requests_per_month,
                )
            )
    return Sensitivity(
        premium=premium_name,
        baseline=base_name,
        base_monthly_delta_usd=delta(premium, profile),
        variation=VARIATION,
        source="your input ranges" if ctx.ranges else Sensitivity.model_fields["source"].default,
        tornado=rows,
        panel_sweep=sweep,
        pareto=pareto(ctx),
    )


def _range_rows(ctx: Context, premium: str, baseline: str) -> list[TornadoRow]:
    rows = []
    for effect in ctx.ranges:
        low = effect.low[premium] - effect.low[baseline]
        high = effect.high[premium] - effect.high[baseline]
        rows.append(
            TornadoRow(
                driver=effect.input.label,
                low_monthly_delta_usd=low,
                high_monthly_delta_usd=high,
                impact_usd=abs(high - low),
                low_value=effect.input.low,
                high_value=effect.input.high,
            )
        )
    return rows


def _default_rows(
    ctx: Context, premium: Strategy, delta: Callable[[Strategy, Profile], Decimal]
) -> list[TornadoRow]:
    """Each driver -50% and +50%: the workload's, the kind's own, then volume."""
    profile = ctx.profile
    registered = kind(premium.kind)
    low, high = Decimal(str(1 - VARIATION)), Decimal(str(1 + VARIATION))
    moves: dict[str, tuple[Decimal, Decimal]] = {
        name: (delta(premium, vary(profile, low)), delta(premium, vary(profile, high)))
        for name, vary in WORKLOAD_DRIVERS
    }
    own = registered.drivers(premium, profile.mean_request()) if registered.drivers else {}
    for name, variant in own.items():
        moves[name] = (delta(variant(low), profile), delta(variant(high), profile))
    name, vary = VOLUME
    moves[name] = (delta(premium, vary(profile, low)), delta(premium, vary(profile, high)))
    return [
        TornadoRow(
            driver=name,
            low_monthly_delta_usd=lo,
            high_monthly_delta_usd=hi,
            impact_usd=abs(hi - lo),
        )
        for name, (lo, hi) in moves.items()
    ]


def pareto(ctx: Context) -> list[str] | None:
    """Strategies no other beats on both monthly cost and error rate (as bought: needs error
    rates; a strategy whose quality is not credited is left out)."""
    rates = quality(ctx).rates
    if not rates:
        return None
    points = [(ctx.results[n].monthly_usd, r, n) for n, r in rates.items() if r is not None]
    frontier = []
    for cost, rate, name in points:
        dominated = any(c <= cost and r <= rate and (c < cost or r < rate) for c, r, _ in points)
        if not dominated:
            frontier.append((cost, name))
    return [name for _, name in sorted(frontier)]
