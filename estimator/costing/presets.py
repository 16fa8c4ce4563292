"""The presets and pools a user asks about before writing a scenario: each Fusion preset's
members (requested, resolved today) and its cost on a workload; the Auto Router pool of a
tier with each model's share and cost. Priced by the estimate's own functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from estimator.costing.integrate import expected_per_request
from estimator.costing.options import Options
from estimator.costing.strategy import strategy_result
from estimator.documents.presets import AutoPool, PoolModel, PresetInfo, PresetList, PresetMember
from estimator.pricing.catalog import Catalog
from estimator.scenario.build import build_all
from estimator.scenario.quick import QuickOptions
from estimator.scenario.quick import scenario_from as quick_scenario
from estimator.strategies.auto import TIER_PERCENTILES
from estimator.strategies.presets import PRESETS
from estimator.strategies.single import SingleStrategy
from estimator.workload.profile import Profile

DEFAULT_WORKLOAD = {"requests_per_month": 10_000, "input_tokens": 2000, "output_tokens": 500}


def presets_and_pools(
    catalog: Catalog,
    names: Sequence[str] = (),
    tiers: Sequence[str] = (),
    workload: Mapping[str, Any] | None = None,
) -> PresetList:
    """`names`: presets to show (default all); `tiers`: Auto Router pools to show."""
    chosen = list(names) or list(PRESETS)
    fields = {**DEFAULT_WORKLOAD, **(workload or {})}
    scenario, _ = quick_scenario(None, QuickOptions(workload=fields, auto=tiers, fusion=chosen))
    profile = Profile.of(scenario.workload)
    strategies = build_all(scenario, catalog)
    presets, pools = [], []
    options = Options(samples=200)
    for spec, strategy in zip(scenario.strategies, strategies, strict=True):
        result = strategy_result(spec.name, strategy, profile, catalog, options)
        if spec.kind == "fusion":
            preset = PRESETS[spec.name.removeprefix("fusion-")]
            presets.append(
                PresetInfo(
                    name=preset.name,
                    documented=preset.documented,
                    source=preset.source,
                    members=[PresetMember(**m.describe()) for m in strategy.models()],
                    per_request_usd=result.per_request_usd,
                    monthly_usd=result.monthly_usd,
                    calls_per_request=result.calls_per_request,
                )
            )
        else:
            pools.append(_pool(strategy, profile, catalog, result.per_request_usd))
    return PresetList(
        workload=f"{float(profile.requests_per_month):,.0f} requests a month, "
        f"{float(profile.input.mean):,.0f} prompt and {float(profile.output.mean):,.0f} answer "
        "tokens (means)",
        catalog=f"{catalog.meta.fetched_at.isoformat()[:10]} ({catalog.meta.source})",
        presets=presets,
        pools=pools,
    )


def _pool(strategy: Any, profile: Profile, catalog: Catalog, per_request: Decimal) -> AutoPool:
    total = sum((share for _, share in strategy.pool), Decimal(0)) or Decimal(1)
    return AutoPool(
        tier=strategy.tier,
        percentiles=TIER_PERCENTILES[strategy.tier],
        candidates=strategy.candidates,
        models=[
            PoolModel(
                id=resolution.id,
                share=float(share / total),
                per_request_usd=expected_per_request(
                    SingleStrategy(resolution.id, resolution), profile, catalog
                ),
            )
            for resolution, share in strategy.pool
        ],
        per_request_usd=per_request,
        notes=strategy.notes(),
    )
