"""The monthly band from the user's input ranges: how far each strategy's month moves when the
inputs the user is unsure of (`{low, high}` in the scenario) move across their ranges.

Each ranged input is priced at its low end, midpoint and high end with the others at their
midpoints (the same scenario re-validated, the same pricing rule on the coarse grid). The
band then draws every ranged input uniformly from its range (seeded), reads each one's effect
off the line through those three points and multiplies the effects (exact for volume times
cost per request; interactions between two other ranged inputs are left out). Without ranges
there is no band: the spread of a sum of 200,000 independent requests is a fraction of a
percent and would read as a confidence it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np

from estimator.costing.integrate import expected_per_request
from estimator.costing.montecarlo import money
from estimator.costing.quadrature import COARSE
from estimator.documents.estimate import Band
from estimator.pricing.catalog import Catalog
from estimator.scenario.build import build_all
from estimator.scenario.ranges import InputRange, with_value
from estimator.scenario.spec import Scenario
from estimator.workload.profile import Profile

BAND_SAMPLES = 20_000
BAND_SEED = 20260819
METHOD = (
    "from your input ranges: each {{low, high}} drawn uniformly, its effect priced at its ends "
    "and midpoint, effects multiplied ({samples:,} seeded draws)"
)


@dataclass(frozen=True)
class RangeEffect:
    """Each strategy's month with one ranged input at its low end, midpoint and high end."""

    input: InputRange
    low: dict[str, Decimal]
    point: dict[str, Decimal]
    high: dict[str, Decimal]


def _months(scenario: Scenario, catalog: Catalog, when: datetime | None) -> dict[str, Decimal]:
    profile = Profile.of(scenario.workload, when)
    strategies = build_all(scenario, catalog)
    return {
        spec.name: expected_per_request(s, profile, catalog, COARSE) * profile.requests_per_month
        for spec, s in zip(scenario.strategies, strategies, strict=True)
    }


def range_effects(
    scenario: Scenario, catalog: Catalog, when: datetime | None = None
) -> list[RangeEffect]:
    """The effect of each of the scenario's input ranges (none without ranges)."""
    if not scenario.input_ranges:
        return []
    data = scenario.model_dump(mode="json", exclude_unset=True)
    point = _months(scenario, catalog, when)
    effects = []
    for found in scenario.input_ranges:
        ends = [
            _months(Scenario.model_validate(with_value(data, found, value)), catalog, when)
            for value in (found.low, found.high)
        ]
        effects.append(RangeEffect(found, ends[0], point, ends[1]))
    return effects


def _ratio(value: Decimal, point: Decimal) -> float:
    return 1.0 if point == 0 else float(value / point)


def input_band(effects: list[RangeEffect], name: str, monthly: Decimal) -> Band | None:
    """The p5-p95 of `name`'s month across the input ranges (None without ranges)."""
    if not effects:
        return None
    rng = np.random.default_rng(BAND_SEED)
    factor = np.ones(BAND_SAMPLES)
    for effect in effects:
        span = effect.input
        drawn = rng.uniform(span.low, span.high, BAND_SAMPLES)
        if span.high == span.low:
            continue
        points = (span.low, span.point, span.high)
        values = (
            _ratio(effect.low[name], effect.point[name]),
            1.0,
            _ratio(effect.high[name], effect.point[name]),
        )
        factor *= np.interp(drawn, points, values)
    low, high = np.percentile(float(monthly) * factor, [5, 95])
    return Band(
        p5_usd=money(low),  # simulated figures, to 1e-10 USD like the Monte Carlo's
        p95_usd=money(high),
        method=METHOD.format(samples=BAND_SAMPLES),
    )
