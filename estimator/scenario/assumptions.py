"""The defaults a scenario relied on: every field it left unset, with the default's source."""

from __future__ import annotations

from typing import Any

from estimator.defaults import DEFAULTS
from estimator.documents.estimate import Assumption
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario, StrategySpec
from estimator.strategies.base import Strategy


def writes_on_its_own(catalog: Catalog, model_id: str) -> bool:
    return catalog.get_exact(model_id).writes_cache_automatically


def assumptions_used(
    scenario: Scenario, strategies: list[Strategy], catalog: Catalog
) -> list[Assumption]:
    """Every default the scenario left unset, with its source; plus unverified presets."""
    used: dict[str, Assumption] = {}

    def add(
        name: str,
        who: str,
        value: Any = None,
        source: str | None = None,
        documented: bool | None = None,
    ) -> None:
        entry = DEFAULTS.get(name)
        if name not in used:
            used[name] = Assumption(
                name=name,
                value=value if value is not None or entry is None else entry.value,
                source=source or (entry.source if entry else ""),
                documented=documented
                if documented is not None
                else bool(entry and entry.documented),
            )
        if who not in used[name].used_by:
            used[name].used_by.append(who)

    workload = scenario.workload
    for field in ("monthly_growth_pct", "reasoning_tokens", "cached_input_share", "hours_utc"):
        if field not in workload.model_fields_set:
            add(f"workload.{field}", "workload")
    if workload.requests_per_day is not None:
        add("workload.days_per_month", "workload")
    writers = sorted(
        {m.id for s in strategies for m in s.models() if writes_on_its_own(catalog, m.id)}
    )
    if workload.cache_write_share is None and writers:
        add("workload.auto_cache_write_share", ", ".join(writers))
    if (writers or workload.cache_write_share) and "cache_ttl" not in workload.model_fields_set:
        add("workload.cache_ttl", "workload")
    if "billing" in scenario.model_fields_set:
        for field in ("credit_purchase", "purchases_per_month"):
            if field not in scenario.billing.model_fields_set:
                add(f"billing.{field}", "billing")
    for spec, strategy in zip(scenario.strategies, strategies, strict=True):
        if spec.fusion is not None:
            _fusion_defaults(spec, add)
            preset = getattr(strategy, "preset", None)
            if preset is not None and spec.fusion.analysis_models is None:
                add(
                    f"fusion.preset.{preset.name}",
                    spec.name,
                    value={"panel": list(preset.panel), "analyst": preset.analyst},
                    source=preset.source,
                    documented=preset.documented,
                )
        if spec.auto is not None:
            add("auto.pool", spec.name)
            if spec.auto.weights is None:
                add("auto.weights", spec.name)
            if "cost_tier" not in spec.auto.model_fields_set:
                add("auto.cost_tier", spec.name)
    decision = scenario.decision
    for field in ("cost_per_error_usd", "value_of_latency_usd_per_s"):
        if field not in decision.model_fields_set:
            add(f"decision.{field}", "decision")
    unknown_speed = "default_latency" not in decision.model_fields_set
    if unknown_speed:
        add("latency.ttft_s", "decision (models without decision.models entries)")
        add("latency.tokens_per_s", "decision (models without decision.models entries)")
    for field in ("search_s", "fetch_s"):
        if field not in decision.model_fields_set:
            add(f"latency.{field}", "decision")
    add("estimate.samples", "estimate")
    add("estimate.seed", "estimate")
    return list(used.values())


def _fusion_defaults(spec: StrategySpec, add: Any) -> None:
    fusion = spec.fusion
    assert fusion is not None
    for field in type(fusion).model_fields:
        if field in fusion.model_fields_set or field in ("analysis_models", "model"):
            continue
        if field in ("search", "overhead_tokens"):
            continue
        add(f"fusion.{field}", spec.name)
    for group in ("search", "overhead_tokens"):
        nested = getattr(fusion, group)
        explicit = nested.model_fields_set if group in fusion.model_fields_set else set()
        for field in type(nested).model_fields:
            if field not in explicit:
                add(f"fusion.{group}.{field}", spec.name)
