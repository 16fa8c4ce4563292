"""Expectations over the workload, integrated rather than sampled: a product grid of the token
distributions (and of the day, where prices change by the hour), each node priced through the
same billing rule, weighted by its probability.

Why not the cost of the mean request: cost is not linear in tokens. A price tier on long
prompts, a model that writes prompts of 1,024 tokens or more to its cache, a completion cap or
an Auto Router pool that drops models too small for a request all make E[cost(tokens)] differ
from cost(E[tokens]) (by a third, for long prompts crossing a tier).

Nodes per distribution:
- a fixed count: itself;
- a histogram (a replayed log's profile): its own bins;
- a lognormal: equal-probability bins, also cut at every price threshold on prompt tokens (the
  plan's tiers, 1,024 for models that cache on their own), each bin represented by its
  conditional mean (exact for a lognormal). Between thresholds a single call's cost is linear
  in its tokens, so the conditional mean gives its bin's expectation exactly; the grid keeps the
  distribution's mean exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from statistics import NormalDist
from typing import Any

import numpy as np

from estimator.costing.context import Rooms, billed_rooms
from estimator.pricing.catalog import Catalog
from estimator.pricing.rules import window_edges
from estimator.strategies.base import Strategy
from estimator.workload.distributions import AUTO_CACHE_MIN_TOKENS, TokenDistribution
from estimator.workload.profile import Profile

FINE = (48, 24, 12)  # bins of input, output and reasoning tokens for an estimate
COARSE = (16, 8, 4)  # for the many variants of sensitivity sweeps
_NORMAL = NormalDist()


def _phi(z: float) -> float:
    return 0.0 if z == -math.inf else 1.0 if z == math.inf else _NORMAL.cdf(z)


def lognormal_nodes(
    dist: TokenDistribution, bins: int, cuts: tuple[float, ...] = ()
) -> list[tuple[float, float]]:
    """(conditional mean, probability) of each bin: `bins` equal-probability bins, also cut
    at `cuts` (token counts)."""
    sigma = dist.sigma
    mu = math.log(float(dist.mean)) - sigma**2 / 2
    edges = {-math.inf, math.inf} | {_NORMAL.inv_cdf(i / bins) for i in range(1, bins)}
    edges |= {(math.log(c) - mu) / sigma for c in cuts if c > 0}
    nodes = []
    scale = math.exp(mu + sigma**2 / 2)
    for low, high in pairwise(sorted(edges)):
        weight = _phi(high) - _phi(low)
        if weight <= 0:
            continue
        partial = scale * (_phi(high - sigma) - _phi(low - sigma))
        nodes.append((partial / weight, weight))
    return nodes


def nodes_of(
    dist: TokenDistribution, bins: int, cuts: tuple[float, ...] = ()
) -> list[tuple[float, float]]:
    if dist.kind == "fixed":
        return [(float(dist.mean), 1.0)]
    if dist.kind == "histogram":
        return [(float(tokens), weight) for tokens, weight in dist.points]
    return lognormal_nodes(dist, bins, cuts)


@dataclass(frozen=True)
class Grid:
    """The nodes of a product grid, flattened: every combination of input, output and
    reasoning tokens (and of the day's price pieces), with its probability."""

    input: np.ndarray
    output: np.ndarray
    reasoning: np.ndarray
    minutes: np.ndarray | None  # one minute of each piece of the day (None: no time windows)
    weight: np.ndarray  # sums to 1

    def __len__(self) -> int:
        return len(self.weight)


def prompt_cuts(
    strategy: Strategy, profile: Profile, catalog: Catalog, table: Rooms | None = None
) -> tuple[float, ...]:
    """Prompt token counts at which a call of the strategy changes price or stops fitting:
    each call's long-context thresholds and (a model that caches on its own) the 1,024-token
    floor, both less that call's own tokens on top of the prompt (at the mean request: a
    panel's answer call crosses a tier long before its prompt does), and each call's room in
    its model's context (`context.rooms`), where requests stop running."""
    mean = profile.mean_request()
    after: dict[str, Any] = {}
    if profile.counted_with is not None:  # each model's own ratio: measure the growth
        grown = profile.request(mean.input_tokens + 1, mean.output_tokens, profile.reasoning.mean)
        after = {b.label: b for b in strategy.expand(grown).branches}
    cuts: set[float] = set()
    for branch in strategy.expand(mean).branches:
        moved_calls = after[branch.label].calls if branch.label in after else branch.calls
        for call, moved in zip(branch.calls, moved_calls, strict=True):
            model = catalog.get_exact(call.model)
            edges = [float(t.min_prompt_tokens or 0) for t in model.pricing.tiers()]
            if model.writes_cache_automatically:
                edges.append(float(AUTO_CACHE_MIN_TOKENS))
            if not edges:
                continue
            slope = float(moved.input_tokens) - float(call.input_tokens) if after else 1.0
            slope = slope or 1.0
            offset = float(call.input_tokens) - slope * float(mean.input_tokens)
            cuts |= {(edge - offset) / slope for edge in edges}
    table = table if table is not None else billed_rooms(strategy, profile, catalog)
    for limits in table.values():
        cuts |= {room for room in limits if math.isfinite(room)}
    return tuple(sorted(c for c in cuts if c > 0))


def day_states(
    strategy: Strategy, profile: Profile, catalog: Catalog
) -> list[tuple[int, float]] | None:
    """The day in pieces of constant prices for the strategy's models: (a minute inside the
    piece, its share of traffic), pieces with the same prices merged; None without windows."""
    pricings = [catalog.get_exact(use.id).pricing for use in strategy.models()]
    edges: set[int] = set()
    for pricing in pricings:
        edges |= window_edges(pricing)
    if not edges:
        return None
    cuts = sorted({0, 1440} | {e for e in edges if 0 <= e <= 1440})
    states: dict[tuple[Any, ...], list[float]] = {}
    for start, end in pairwise(cuts):
        share = sum(
            float(profile.hours[minute // 60]) / 60 for minute in range(start, end)
        )  # traffic is even within an hour
        if share <= 0:
            continue
        key = tuple(
            bool(override.in_window(start))
            for pricing in pricings
            for override in pricing.overrides
            if override.has_window
        )
        entry = states.setdefault(key, [float(start), 0.0])
        entry[1] += share
    return [(int(minute), share) for minute, share in states.values()]


def grid(
    strategy: Strategy,
    profile: Profile,
    catalog: Catalog,
    bins: tuple[int, int, int] = FINE,
    also: tuple[float, ...] = (),
    table: Rooms | None = None,
) -> Grid:
    """The product grid for `strategy`, its prompt axis also cut at `also` (`table`: its
    rooms, when the caller has them)."""
    cuts = tuple(sorted(set(prompt_cuts(strategy, profile, catalog, table)) | set(also)))
    dims = (
        nodes_of(profile.input, bins[0], cuts),
        nodes_of(profile.output, bins[1]),
        nodes_of(profile.reasoning, bins[2]),
    )
    values = [np.array([v for v, _ in d]) for d in dims]
    weights = [np.array([w for _, w in d]) for d in dims]
    mesh = np.meshgrid(*values, indexing="ij")
    weight = np.einsum("i,j,k->ijk", *weights).ravel()
    flat = [axis.ravel() for axis in mesh]
    states = day_states(strategy, profile, catalog)
    minutes = None
    if states is not None:
        count = len(states)
        flat = [np.tile(axis, count) for axis in flat]
        weight = np.concatenate([weight * share for _, share in states])
        minutes = np.repeat(np.array([m for m, _ in states], dtype=float), len(mesh[0].ravel()))
    weight = weight / weight.sum()
    return Grid(flat[0], flat[1], flat[2], minutes, weight)


def at_mean(strategy: Strategy, profile: Profile, catalog: Catalog) -> Grid:
    """The one-node grid of the mean request (over the same pieces of the day): the float64
    pipeline's value of what the exact path prices, to subtract its rounding."""
    states = day_states(strategy, profile, catalog)
    count = 1 if states is None else len(states)
    means = [
        np.full(count, float(d.mean)) for d in (profile.input, profile.output, profile.reasoning)
    ]
    minutes = None if states is None else np.array([m for m, _ in states], dtype=float)
    weight = np.ones(1) if states is None else np.array([w for _, w in states])
    return Grid(means[0], means[1], means[2], minutes, weight / weight.sum())


def as_money(value: float) -> Decimal:
    return Decimal(repr(float(value)))
