"""The requests a strategy cannot run (they do not fit a call's context), priced on the
strategy the scenario declares for them (`context_fallback`): shown beside `monthly_usd`,
never added to it.

Integrated on the fallback's grid, also cut where the first strategy's calls stop fitting:
each node weighs the probability that the first strategy cannot run it (summed over its
branches), so the figure is E[fallback cost x 1{the first cannot run it}] per request.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np

from estimator.costing.context import billed_rooms, reached
from estimator.costing.integrate import integrate, tokens_fixed
from estimator.costing.plans import exact_per_request
from estimator.costing.quadrature import as_money, grid, prompt_cuts
from estimator.documents.estimate import ContextFallback
from estimator.pricing.catalog import Catalog
from estimator.strategies.base import Strategy
from estimator.workload.profile import Profile


def fallback_cost(
    name: str, first: Strategy, fallback: Strategy, profile: Profile, catalog: Catalog
) -> ContextFallback:
    """What the requests `first` cannot run cost on `fallback` (`name`), and how many of them
    the fallback itself can run."""
    nodes = grid(fallback, profile, catalog, also=prompt_cuts(first, profile, catalog))
    table = billed_rooms(first, profile, catalog)
    request = profile.request(nodes.input, nodes.output, nodes.reasoning)
    cannot = np.zeros(len(nodes))
    for branch in first.expand(request).branches:
        probability = np.broadcast_to(np.asarray(branch.probability, dtype=float), cannot.shape)
        ran = reached(branch, table, nodes.input)
        cannot += probability * (1.0 - (ran[-1] if ran else 1.0))
    share = float(np.dot(nodes.weight, cannot))
    found = integrate(
        fallback, profile, catalog, nodes=replace(nodes, weight=nodes.weight * cannot)
    )
    per_request = as_money(found.per_request) if share > 0 else Decimal(0)
    if share == 1.0 and tokens_fixed(profile):  # every request alike, and none runs: exact
        per_request = exact_per_request(fallback, profile, catalog)
    return ContextFallback(
        strategy=name,
        per_request_usd=per_request,
        monthly_usd=per_request * profile.requests_per_month,
        runs_share=min(1.0, found.context_share / share) if share > 0 else 1.0,
    )
