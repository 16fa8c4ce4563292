"""Auto Router: one call of one model from a pool; which model is an explicit assumption.

OpenRouter does not publish the pool or the `cost_tier` edges, so the pool is built from the
catalog by documented rules (below) and shown, and the estimate reports min / expected / max.
Pool rules: text-in/text-out models with fixed prices, no aliases, variants (`:free`,
`:batch`) or routers, with an Artificial Analysis intelligence index (a proxy for models with
real traffic), whose blended price per 1M tokens ((3 x input + output) / 4) lies in the tier's
band. `allowed_models` globs replace the index and band rules unless `cost_tier` is also set.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from decimal import Decimal

from estimator.callplan import Branch, CallPlan, Request
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog, Resolution
from estimator.pricing.models import ModelInfo
from estimator.scenario import AutoSpec
from estimator.strategies.base import ModelUse, resolve_priced, use
from estimator.strategies.single import direct_call

# Blended USD per 1M tokens, [low, high) per tier: our assumption, documented in docs/scenario.md.
TIER_BANDS: dict[str, tuple[Decimal, Decimal | None]] = {
    "low": (Decimal(0), Decimal(1)),
    "medium": (Decimal(1), Decimal(5)),
    "high": (Decimal(5), Decimal(15)),
    "xhigh": (Decimal(15), Decimal(40)),
    "max": (Decimal(40), None),
}


def blended_per_million(model: ModelInfo) -> Decimal:
    prices = model.pricing.prices
    return (3 * prices["prompt"].value + prices["completion"].value) * 250_000


def _eligible(model: ModelInfo) -> bool:
    return (
        not model.pricing.is_dynamic
        and model.alias_target is None
        and ":" not in model.id
        and not model.id.startswith("openrouter/")
        and model.is_text_model
        and "text" in model.architecture.input_modalities
    )


def _in_band(model: ModelInfo, tier: str) -> bool:
    low, high = TIER_BANDS[tier]
    price = blended_per_million(model)
    return price >= low and (high is None or price < high)


def _has_index(model: ModelInfo) -> bool:
    aa = model.benchmarks.artificial_analysis if model.benchmarks else None
    return aa is not None and aa.intelligence_index is not None


def select_pool(spec: AutoSpec, catalog: Catalog, where: str) -> list[ModelInfo]:
    candidates = [m for m in catalog if _eligible(m)]
    explicit_tier = "cost_tier" in spec.model_fields_set
    if spec.allowed_models:
        allowed = [
            m for m in candidates if any(fnmatch.fnmatch(m.id, g) for g in spec.allowed_models)
        ]
        pool = [m for m in allowed if _in_band(m, spec.cost_tier)] if explicit_tier else allowed
    else:
        pool = [m for m in candidates if _has_index(m) and _in_band(m, spec.cost_tier)]
    pool = [m for m in pool if not any(fnmatch.fnmatch(m.id, g) for g in spec.excluded_models)]
    if not pool:
        raise UserError(f"{where}: the Auto Router pool is empty (check cost_tier and the globs)")
    return sorted(pool, key=lambda m: m.id)


@dataclass(frozen=True)
class AutoStrategy:
    name: str
    tier: str
    pool: tuple[tuple[Resolution, Decimal], ...]
    weighted: bool
    kind: str = "auto"

    @classmethod
    def build(cls, name: str, spec: AutoSpec, catalog: Catalog, where: str) -> AutoStrategy:
        pool = select_pool(spec, catalog, where)
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
        return cls(name, spec.cost_tier, entries, spec.weights is not None)

    def expand(self, request: Request) -> CallPlan:
        branches = tuple(
            Branch(share, (direct_call("auto", resolution, request),), resolution.id)
            for resolution, share in self.pool
        )
        return CallPlan(self.name, "auto", branches)

    def models(self) -> list[ModelUse]:
        return [use("pool", resolution) for resolution, _ in self.pool]

    def notes(self) -> list[str]:
        weighting = "your weights" if self.weighted else "uniform weights (assumption)"
        return [
            f"Auto Router pool: {len(self.pool)} models for cost_tier {self.tier!r}, "
            f"{weighting}; OpenRouter does not publish its pool (assumption)"
        ]
