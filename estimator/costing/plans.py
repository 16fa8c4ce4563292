"""A strategy's expected cost per request: its plan expanded for a request and priced, exactly
(Decimal, one request) or through the float64 path (the same rule, for checking and volume)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from estimator.costing.context import Rooms, billed_rooms, runnable
from estimator.costing.pricer import CallCost, Pricer, expected_vector_cost
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import day_pieces, window_edges
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import CallPlan
from estimator.workload.profile import Profile

Priced = list[tuple[Decimal, str, list[CallCost]]]  # (probability, branch label, call costs)


def priced_plan(plan: CallPlan, pricer: Pricer) -> list[tuple[Decimal, str, list[CallCost]]]:
    return [(b.probability, b.label, [pricer.price(c) for c in b.calls]) for b in plan.branches]


def expected_cost(priced: Iterable[tuple[Decimal, str, list[CallCost]]]) -> Decimal:
    return sum(
        (p * sum((c.total for c in costs), Decimal(0)) for p, _, costs in priced), Decimal(0)
    )


def pricer_for(profile: Profile, catalog: Catalog) -> Pricer:
    return Pricer(catalog, profile.hours, profile.when)


def mean_plan(
    strategy: Strategy, profile: Profile, catalog: Catalog, table: Rooms | None = None
) -> CallPlan:
    """The calls the mean request runs: each branch up to its first call that does not fit
    its model's context (those are not billed)."""
    mean = profile.mean_request()
    table = table if table is not None else billed_rooms(strategy, profile, catalog)
    return runnable(strategy.expand(mean), table, mean.input_tokens)


def exact_per_request(
    strategy: Strategy, profile: Profile, catalog: Catalog, table: Rooms | None = None
) -> Decimal:
    """The exact expected USD of the mean request under `strategy`."""
    pricer = pricer_for(profile, catalog)
    return expected_cost(priced_plan(mean_plan(strategy, profile, catalog, table), pricer))


def vectorised_per_request(strategy: Strategy, profile: Profile, catalog: Catalog) -> float:
    """The same figure through the float64 path: the mean request priced at every piece of the
    day over which the plan's prices are constant, weighted by the traffic."""
    import numpy as np

    plan = mean_plan(strategy, profile, catalog)
    edges: set[int] = set()
    for branch in plan.branches:
        for call in branch.calls:
            edges |= window_edges(catalog.get_exact(call.model).pricing)
    pieces = day_pieces(edges, profile.hours)
    n = len(pieces)
    mean = profile.request(
        np.full(n, float(profile.input.mean)),
        np.full(n, float(profile.output.mean)),
        np.full(n, float(profile.reasoning.mean)),
    )
    minutes = np.array([minute for minute, _ in pieces], dtype=float)
    weights = np.array([float(weight) for _, weight in pieces])
    cost = expected_vector_cost(
        runnable(
            strategy.expand(mean), billed_rooms(strategy, profile, catalog), profile.input.mean
        ).branches,
        catalog,
        minutes,
        profile.days,
    )
    return float(np.dot(np.broadcast_to(cost, (n,)), weights))
