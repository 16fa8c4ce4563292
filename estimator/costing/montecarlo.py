"""Percentiles from a seeded Monte Carlo: requests drawn from the token distributions, hours
and branches, each priced through the vectorised path (a request that does not fit stops at
its first call that does not fit: `context.py`)."""

from __future__ import annotations

from decimal import Context as DecimalContext
from decimal import Decimal
from typing import Any

from estimator.costing.context import billed_rooms, reached
from estimator.costing.pricer import vector_cost
from estimator.documents.estimate import Distribution
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy
from estimator.workload.profile import Profile


def monte_carlo(
    strategy: Strategy, profile: Profile, catalog: Catalog, samples: int, seed: int
) -> Any:
    """Per-request USD of `samples` requests drawn from the workload (numpy array)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sampled = (
        profile.input.sample(rng, samples),
        profile.output.sample(rng, samples),
        profile.reasoning.sample(rng, samples),
    )
    weights = np.array([float(w) for w in profile.hours])
    hours = rng.choice(24, size=samples, p=weights / weights.sum())
    minutes = hours * 60 + rng.integers(0, 60, size=samples)  # windows may start mid-hour
    table = billed_rooms(strategy, profile, catalog)
    branches = strategy.expand(profile.request(*sampled)).branches
    # each request's branch: drawn from its own probabilities (an Auto Router pool leaves out
    # the models a request does not fit)
    probabilities = np.array(
        [np.broadcast_to(np.asarray(b.probability, dtype=float), (samples,)) for b in branches]
    )
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=0), axis=0)
    chosen = np.minimum((rng.random(samples) > cumulative).sum(axis=0), len(branches) - 1)
    cost = np.zeros(samples)
    for index in range(len(branches)):
        mask = chosen == index
        if not mask.any():
            continue
        # expand only the requests that took this branch: work stays ~ one pass over samples
        request = profile.request(*(a[mask] for a in sampled))
        branch = strategy.expand(request).branches[index]
        ran = reached(branch, table, sampled[0][mask])
        cost[mask] = sum(
            vector_cost(c, catalog.get_exact(c.model), minutes[mask], profile.days) * runs
            for c, runs in zip(branch.calls, ran, strict=True)
        )
    return cost


SIMULATED = Decimal("1e-10")  # a simulated percentile's last meaningful digit (a ten-billionth)


def money(value: float) -> Decimal:
    """A simulated figure as money: to 1e-10 USD, so 0.009328612499999998 (float noise) reads
    0.0093286125."""
    wide = DecimalContext(prec=60)  # prices up to the cap (1e15) keep their ten-billionths
    return Decimal(repr(float(value))).quantize(SIMULATED, context=wide).normalize(wide)


def distribution(costs: Any, samples: int, seed: int) -> Distribution:
    import numpy as np

    p50, p95, p99 = np.percentile(costs, [50, 95, 99])
    return Distribution(
        method="seeded Monte Carlo over token distributions, hours and branches",
        samples=samples,
        seed=seed,
        mean_usd=money(costs.mean()),
        p50_usd=money(p50),
        p95_usd=money(p95),
        p99_usd=money(p99),
        sd_usd=money(costs.std()),
    )
