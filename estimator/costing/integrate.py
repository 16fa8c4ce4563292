"""A strategy's expected cost over the workload, integrated over the quadrature grid
(`quadrature.py`): the expectation per request, where it goes (per stage and model, the rows
adding up to the expectation), and the share of requests every call's context holds. A request
that does not fit stops at its first call that does not fit (`context.py`): only the calls
before it are billed.
Percentiles of one request's cost come from the seeded Monte Carlo (a coarse grid's tail bins
would misplace them); expectations come from here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from estimator.costing.context import Rooms, billed_rooms, reached
from estimator.costing.plans import exact_per_request
from estimator.costing.pricer import tools_of, usage_of
from estimator.costing.quadrature import FINE, Grid, as_money, at_mean, grid
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import VECTOR, charges
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import Call
from estimator.strategies.stages import WEB_TOOLS
from estimator.workload.profile import Profile

ROW_FIELDS = ("calls", "input_tokens", "output_tokens", "reasoning_tokens", "cost_usd")


@dataclass
class Integrated:
    per_request: float = 0.0
    rows: dict[tuple[str, str], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(ROW_FIELDS, 0.0))
    )
    stages: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    tools: float = 0.0
    context_share: float = 1.0  # of requests whose every call fits its model's context


def _add_call(found: Integrated, call: Call, cost: Any, weight: np.ndarray) -> None:
    """One call's expected tokens and money into its (stage, model) row."""
    row = found.rows[(call.stage, call.model)]
    row["calls"] += float(weight.sum())
    for name in ("input_tokens", "output_tokens", "reasoning_tokens"):
        row[name] += float(np.dot(np.broadcast_to(getattr(call, name), weight.shape), weight))
    tokens = float(np.dot(np.broadcast_to(cost.tokens, weight.shape), weight))
    row["cost_usd"] += tokens
    found.stages[call.stage] += tokens
    tools = float(np.dot(np.broadcast_to(cost.tools, weight.shape), weight))
    if tools:
        fees = found.rows[(WEB_TOOLS, call.model)]
        count = float(call.searches) + float(call.fetches)
        fees["calls"] += count * float(weight.sum())
        fees["cost_usd"] += tools
        found.tools += tools


def integrate(
    strategy: Strategy,
    profile: Profile,
    catalog: Catalog,
    bins: tuple[int, int, int] = FINE,
    nodes: Grid | None = None,
    table: Rooms | None = None,
) -> Integrated:
    """The strategy's expected cost per request over the workload's grid (or `nodes`);
    `table`: its rooms (context.billed_rooms), when the caller has them."""
    table = table if table is not None else billed_rooms(strategy, profile, catalog)
    nodes = nodes if nodes is not None else grid(strategy, profile, catalog, bins, table=table)
    n = len(nodes)
    request = profile.request(nodes.input, nodes.output, nodes.reasoning)
    found = Integrated()
    share = 0.0
    for branch in strategy.expand(request).branches:
        weight = nodes.weight * np.broadcast_to(np.asarray(branch.probability, dtype=float), (n,))
        ran = reached(branch, table, nodes.input)
        for call, runs in zip(branch.calls, ran, strict=True):
            model = catalog.get_exact(call.model)
            cost = charges(
                usage_of(call),
                tools_of(call),
                model.pricing,
                nodes.minutes,
                profile.days,
                VECTOR,
                model.id,
            )
            _add_call(found, call, cost, weight * runs)
        share += float(np.dot(weight, ran[-1])) if ran else float(weight.sum())
    found.per_request = sum(row["cost_usd"] for row in found.rows.values())
    found.context_share = min(1.0, share)
    return found


def tokens_fixed(profile: Profile) -> bool:
    """Every request alike: the mean request is every request, priced exactly (Decimal)."""
    return all(d.kind == "fixed" for d in (profile.input, profile.output, profile.reasoning))


def nonlinear(found: float, at_mean: float, scale: float) -> Decimal:
    """What the non-linearities add to the mean request's cost: the integral minus the same
    pipeline's value at the mean request; float64 noise (under 1e-12 of `scale`) is zero, so a
    cost linear in tokens stays the exact Decimal of the mean request."""
    extra = found - at_mean
    return Decimal(0) if abs(extra) <= 1e-12 * max(abs(scale), 1e-300) else as_money(extra)


def expected_per_request(
    strategy: Strategy, profile: Profile, catalog: Catalog, bins: tuple[int, int, int] = FINE
) -> Decimal:
    """E[cost of one request]: the exact cost of the mean request, plus what the workload's
    spread adds where cost is not linear in tokens (integrated)."""
    table = billed_rooms(strategy, profile, catalog)
    exact = exact_per_request(strategy, profile, catalog, table)
    if tokens_fixed(profile):
        return exact
    found = integrate(strategy, profile, catalog, bins, table=table).per_request
    centre = at_mean(strategy, profile, catalog)
    mean = integrate(strategy, profile, catalog, nodes=centre, table=table)
    return exact + nonlinear(found, mean.per_request, found)
