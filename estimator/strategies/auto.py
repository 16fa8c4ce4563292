"""Auto Router: one call of one model from a pool; which model is an explicit assumption.

OpenRouter defines `cost_tier` (API reference, `AutoRouterPlugin.cost_tier`, since
2026-07-28): "Tiers select cost-percentile bands: low = [0, 20), medium = [20, 40),
high = [40, 60), xhigh = [60, 80), and max = [80, 100]" of the candidates' "average cost per
generation for that task". "A tier is a band, not a ceiling." So the tier is computed here as
the documented band of the candidates ranked by what *this scenario's mean request* costs on
each (list prices with each model's own reasoning, no caching, time-of-day prices weighted by
the traffic's hours: the price it is charged): a candidate's percentile is 100 x (candidates
strictly cheaper) / (n - 1), so the cheapest is 0, the dearest 100 and equal costs share a rank.

The candidate pool is not published, so it is our labelled assumption: text-in/text-out models
(text is their only output: image- and audio-output models are not candidates, even among
`allowed_models`) with fixed prices, no aliases, variants (`:free`, `:batch`) or routers, with
an Artificial Analysis intelligence index (a proxy for models with real traffic), whose context
holds the mean request. `allowed_models` globs replace the index rule (then the band is taken
among the allowed models, and only when `cost_tier` is given); `excluded_models` are never
candidates.
"""

from __future__ import annotations

import fnmatch
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from estimator.defaults import default
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.models import ModelInfo
from estimator.pricing.rules import EXACT, NO_TOOLS, Charges, Usage, charges, time_segments
from estimator.strategies.base import (
    Kind,
    ModelUse,
    Strategy,
    model_reasoning,
    resolve_priced,
    use,
)
from estimator.strategies.callplan import Branch, CallPlan
from estimator.strategies.single import direct_call
from estimator.workload.distributions import hour_weights
from estimator.workload.request import Request
from estimator.workload.spec import NonNegative, Strict
from estimator.workload.spec import Tokens as TokenCount


class AutoSpec(Strict):
    """`auto: {cost_tier, allowed_models, excluded_models, weights}`: the Auto Router."""

    cost_tier: Literal["low", "medium", "high", "xhigh", "max"] = default("auto.cost_tier")
    allowed_models: list[str] = Field(default_factory=list)
    excluded_models: list[str] = Field(default_factory=list)
    weights: dict[str, NonNegative] | None = None
    reasoning: TokenCount | None = None  # reasoning tokens a call (None: each model's profile)


# [low, high) percentiles of the candidates' cost; `max` includes 100 (OpenRouter's bands)
TIER_PERCENTILES: dict[str, tuple[int, int]] = {
    "low": (0, 20),
    "medium": (20, 40),
    "high": (40, 60),
    "xhigh": (60, 80),
    "max": (80, 100),
}
# the request candidates are ranked for when a scenario gives no tokens (replay with flags)
TYPICAL_REQUEST = Request(Decimal(1000), Decimal(250), None)
UNIFORM_HOURS = hour_weights("uniform")


def _eligible(model: ModelInfo) -> bool:
    return (
        not model.pricing.is_dynamic
        and model.alias_target is None
        and ":" not in model.id
        and not model.id.startswith("openrouter/")
        and set(model.architecture.output_modalities) == {"text"}
        and "text" in model.architecture.input_modalities
    )


def _has_index(model: ModelInfo) -> bool:
    aa = model.benchmarks.artificial_analysis if model.benchmarks else None
    return aa is not None and aa.intelligence_index is not None


def _holds(model: ModelInfo, request: Request, think: int | None = None) -> Any:
    """Whether the model's context holds the request's prompt and answer (per request, for
    arrays of requests), counted in its tokenizer."""
    request = request.for_model(model)
    need = request.input_tokens + request.output_tokens + model_reasoning(model, request, think)
    return not model.max_context or need <= model.max_context


def generation_cost(
    model: ModelInfo,
    request: Request,
    hours: tuple[Decimal, ...] = UNIFORM_HOURS,
    think: int | None = None,
) -> Decimal:
    """What one generation of `request` costs on `model` at list prices with its own
    reasoning (no caching), time-of-day prices weighted by the traffic's `hours`: what a call
    of it is charged."""
    request = request.for_model(model)
    reasoning = Decimal(model_reasoning(model, request, think))
    usage = Usage(
        prompt=Decimal(request.input_tokens),
        completion=Decimal(request.output_tokens) + reasoning,
        reasoning=reasoning,
    )
    total = Charges()
    for minute, weight in time_segments(model.pricing, hours):
        at = charges(usage, NO_TOOLS, model.pricing, minute, None, EXACT, model.id)
        total = total.plus(at.weighted(weight))
    return Decimal(total.total)


def percentiles(
    models: list[ModelInfo],
    request: Request,
    hours: tuple[Decimal, ...] = UNIFORM_HOURS,
    think: int | None = None,
) -> dict[str, float]:
    """Each candidate's cost percentile for `request`: 100 x (candidates strictly cheaper) /
    (candidates - 1), so the cheapest is 0, the dearest 100, and equal costs share a rank."""
    costs = {m.id: generation_cost(m, request, hours, think) for m in models}
    ordered = sorted(costs.values())
    if len(ordered) == 1:
        return dict.fromkeys(costs, 0.0)
    below = {cost: bisect_left(ordered, cost) for cost in set(ordered)}
    return {model_id: 100 * below[cost] / (len(ordered) - 1) for model_id, cost in costs.items()}


def in_band(percentile: float, tier: str, only_one: bool) -> bool:
    low, high = TIER_PERCENTILES[tier]
    if only_one:
        return True  # a sole candidate is every band
    return low <= percentile < high or (high == 100 and percentile == 100)


def select_pool(
    spec: AutoSpec, catalog: Catalog, where: str, request: Request = TYPICAL_REQUEST
) -> tuple[list[ModelInfo], int]:
    """The pool for the tier, and how many candidates it was ranked among."""
    candidates = [m for m in catalog if _eligible(m) and _holds(m, request, spec.reasoning)]
    candidates = [
        m for m in candidates if not any(fnmatch.fnmatch(m.id, g) for g in spec.excluded_models)
    ]
    explicit_tier = "cost_tier" in spec.model_fields_set
    if spec.allowed_models:
        candidates = [
            m for m in candidates if any(fnmatch.fnmatch(m.id, g) for g in spec.allowed_models)
        ]
        banded = explicit_tier
    else:
        candidates = [m for m in candidates if _has_index(m)]
        banded = True
    if banded and candidates:
        ranks = percentiles(candidates, request, request.hours or UNIFORM_HOURS, spec.reasoning)
        pool = [m for m in candidates if in_band(ranks[m.id], spec.cost_tier, len(ranks) == 1)]
    else:
        pool = candidates
    if not pool:
        raise UserError(
            f"{where}: the Auto Router pool is empty: no candidate model holds the request or "
            "matches cost_tier and the globs"
        )
    return sorted(pool, key=lambda m: m.id), len(candidates)


@dataclass(frozen=True)
class AutoStrategy:
    name: str
    tier: str
    pool: tuple[tuple[Resolution, Decimal], ...]
    weighted: bool
    candidates: int = 0
    banded: bool = True
    spec: AutoSpec | None = None
    where: str = ""
    ranked_for: Request = TYPICAL_REQUEST
    kind: str = "auto"

    @classmethod
    def build(
        cls,
        name: str,
        spec: AutoSpec,
        catalog: Catalog,
        where: str,
        request: Request = TYPICAL_REQUEST,
    ) -> AutoStrategy:
        pool, candidates = select_pool(spec, catalog, where, request)
        ids = [m.id for m in pool]
        if spec.weights is None:
            weights = {model_id: Decimal(1) for model_id in ids}
        else:
            weights = {model_id: Decimal(0) for model_id in ids}
            for requested, weight in spec.weights.items():
                model_id = resolve_priced(catalog, requested, "weights", where, name).id
                if model_id not in weights:
                    raise UserError(
                        f"{where}: weights name {requested!r}, which is not in the pool "
                        f"({len(ids)} models; see `fusion-cost estimate --format json`)"
                    )
                weights[model_id] += Decimal(str(weight))
        total = sum(weights.values())
        if total <= 0:
            raise UserError(f"{where}: the weights add up to zero")
        entries = tuple(
            (catalog.resolve(model_id), weights[model_id] / total)
            for model_id in ids
            if weights[model_id] > 0
        )
        banded = not spec.allowed_models or "cost_tier" in spec.model_fields_set
        weighted = spec.weights is not None
        return cls(
            name, spec.cost_tier, entries, weighted, candidates, banded, spec, where, request
        )

    @property
    def think(self) -> int | None:
        """The strategy's own reasoning tokens a call (None: each model's profile)."""
        return None if self.spec is None else self.spec.reasoning

    def for_workload(self, request: Request, catalog: Catalog) -> Strategy:
        """The same tier ranked for another mean request (replay: the log's own)."""
        if self.spec is None:
            return self
        return AutoStrategy.build(self.name, self.spec, catalog, self.where, request)

    def expand(self, request: Request) -> CallPlan:
        """One branch per pool model; a request goes only to models whose context holds it
        (shares renormalised per request; a request none holds goes to the whole pool, and
        the context check reports it)."""
        shares = self._shares(request)
        branches = tuple(
            Branch(share, (direct_call("auto", resolution, request, self.think),), resolution.id)
            for (resolution, _), share in zip(self.pool, shares, strict=True)
            if not request.exact or share
        )
        return CallPlan(self.name, "auto", branches, routed=True)

    def _shares(self, request: Request) -> list[Any]:
        holds = [_holds(resolution.model, request, self.think) for resolution, _ in self.pool]
        paired = list(zip((share for _, share in self.pool), holds, strict=True))
        if request.exact:
            total = sum((share for share, h in paired if h), Decimal(0))
            if not total:
                return [share for share, _ in paired]
            return [share / total if h else Decimal(0) for share, h in paired]
        import numpy as np

        n = len(request.input_tokens)
        base = np.array([float(share) for _, share in self.pool])[:, None]
        fits = np.array([np.broadcast_to(h, (n,)) for h in holds], dtype=float)
        weights = base * fits
        total = weights.sum(axis=0)
        nobody = total == 0
        weights[:, nobody] = base
        total[nobody] = 1.0
        return list(weights / total)

    def models(self) -> list[ModelUse]:
        return [use("pool", resolution) for resolution, _ in self.pool]

    def notes(self) -> list[str]:
        weighting = "your weights" if self.weighted else "uniform weights (assumption)"
        low, high = TIER_PERCENTILES[self.tier]
        mean = self.ranked_for
        band = (
            f"cost_tier {self.tier!r}: the {low}th-{high}th cost percentile of "
            f"{self.candidates} candidates ranked for the mean request "
            f"({mean.input_tokens:,.0f} in, {mean.output_tokens:,.0f} out)"
            if self.banded
            else f"your allowed_models ({self.candidates} candidates)"
        )
        return [
            f"Auto Router pool: {len(self.pool)} models, {band}, {weighting}; "
            "OpenRouter does not publish its candidate pool (assumption)"
        ]


KIND = Kind(
    name="auto",
    spec=AutoSpec,
    build=AutoStrategy.build,
    label="Auto Router",
    verdict="use-auto-router",
    assumed=("auto.pool",),  # OpenRouter does not publish the candidate pool
)
