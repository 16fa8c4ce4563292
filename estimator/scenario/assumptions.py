"""The defaults a scenario relied on: every field it left unset, with the default's source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from estimator.defaults import DEFAULTS
from estimator.documents.estimate import Assumption
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario, StrategySpec
from estimator.strategies.base import Strategy
from estimator.strategies.registry import kind
from estimator.workload.prompts import ratio_for
from estimator.workload.reasoning import reasoning_profile


def writes_on_its_own(catalog: Catalog, model_id: str) -> bool:
    return catalog.get_exact(model_id).writes_cache_automatically


def assumptions_used(
    scenario: Scenario, strategies: list[Strategy], catalog: Catalog
) -> list[Assumption]:
    """Every default the scenario left unset, with its source; plus unverified presets."""
    used: dict[str, Assumption] = {}
    add = _recorder(used)
    _workload_defaults(scenario, strategies, catalog, add)
    if "billing" in scenario.model_fields_set:
        for field in ("credit_purchase", "purchases_per_month"):
            if field not in scenario.billing.model_fields_set:
                add(f"billing.{field}", "billing")
    for spec, strategy in zip(scenario.strategies, strategies, strict=True):
        _strategy_defaults(spec, strategy, add)
    _decision_defaults(scenario, add)
    add("estimate.samples", "estimate")
    add("estimate.seed", "estimate")
    return list(used.values())


def _recorder(used: dict[str, Assumption]) -> Callable[..., None]:
    """`add(name, who, ...)`: records default `name` in `used` (once), and who relies on it."""

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

    return add


def _workload_defaults(
    scenario: Scenario, strategies: list[Strategy], catalog: Catalog, add: Callable[..., None]
) -> None:
    workload = scenario.workload
    for field in ("monthly_growth_pct", "reasoning_tokens", "cached_input_share", "hours_utc"):
        if field not in workload.model_fields_set:
            add(f"workload.{field}", "workload")
    if workload.requests_per_day is not None:
        add("workload.days_per_month", "workload")
    if workload.reasoning_tokens is None:
        _reasoning_profiles(scenario, strategies, catalog, add)
    if workload.counted_with is not None:
        _tokenizer_ratios(workload.counted_with, strategies, catalog, add)
    writers = sorted(
        {m.id for s in strategies for m in s.models() if writes_on_its_own(catalog, m.id)}
    )
    if workload.automatic_caching and writers:
        add("workload.cache_write_share", ", ".join(writers))
    if (writers or workload.cache_write_share) and "cache_ttl" not in workload.model_fields_set:
        add("workload.cache_ttl", "workload")


def _tokenizer_ratios(
    counted_with: str, strategies: list[Strategy], catalog: Catalog, add: Callable[..., None]
) -> None:
    """Each model that reads the counted text in another tokenizer, at its labelled ratio."""
    for model_id in sorted({m.id for s in strategies for m in s.models()}):
        tokenizer = catalog.get_exact(model_id).architecture.tokenizer or "Other"
        ratio, source = ratio_for(tokenizer)
        if tokenizer != "GPT":
            add(
                f"workload.counted_with.{model_id}",
                "workload",
                value=f"x{ratio:g} ({tokenizer})",
                source=f"{counted_with} counts scaled to the model's tokenizer: {source}",
                documented=False,
            )


def _reasoning_profiles(
    scenario: Scenario, strategies: list[Strategy], catalog: Catalog, add: Callable[..., None]
) -> None:
    """Each model that thinks on its own profile (measured, its family's, or the fallback)."""
    given = set()
    for name in scenario.workload.reasoning_by_model:
        given.add(name)
        try:
            given.add(catalog.resolve(name).id)
        except UserError:
            continue
    users: dict[str, list[str]] = {}
    for strategy in strategies:
        for use in strategy.models():
            if use.id not in given and use.requested not in given:
                users.setdefault(use.id, [])
                if strategy.name not in users[use.id]:
                    users[use.id].append(strategy.name)
    unmeasured = []
    for model_id, names in sorted(users.items()):
        model = catalog.get_exact(model_id)
        if not model.reasons:
            continue
        profile = reasoning_profile(model)
        if profile.fallback:
            unmeasured.append(model_id)
            continue
        add(
            f"workload.reasoning_by_model.{model_id}",
            ", ".join(names),
            value=profile.tokens,
            source=profile.source,
            documented=False,
        )
    if unmeasured:
        fallback = DEFAULTS["workload.reasoning_by_model"].value
        add(
            "workload.reasoning_by_model",
            ", ".join(unmeasured),
            value=f"{fallback} a call for {', '.join(unmeasured)}",
        )


def _strategy_defaults(spec: StrategySpec, strategy: Strategy, add: Callable[..., None]) -> None:
    """The defaults of the strategy's kind it left unset (its registered `defaults.py` keys),
    what its kind always assumes (the Auto Router's pool), and an unverified preset."""
    for name in kind(spec.kind).assumed:
        add(name, spec.name)
    _unset(spec.kind, spec.spec, spec.spec.model_fields_set, spec.name, add)
    preset = getattr(strategy, "preset", None)
    if preset is not None and getattr(spec.spec, "analysis_models", None) is None:
        add(
            f"{spec.kind}.preset.{preset.name}",
            spec.name,
            value={"panel": list(preset.panel), "analyst": preset.analyst},
            source=preset.source,
            documented=preset.documented,
        )


def _unset(
    prefix: str, model: BaseModel, explicit: set[str], who: str, add: Callable[..., None]
) -> None:
    """Every field of `model` with a registered default that the scenario did not set: its own
    fields first, then those of the sections it holds (`search`, `overhead_tokens`...)."""
    fields = type(model).model_fields
    for field in fields:
        key = f"{prefix}.{field}"
        if key in DEFAULTS and field not in explicit:
            add(key, who)
    for field in fields:
        nested = getattr(model, field)
        if isinstance(nested, BaseModel):
            given = nested.model_fields_set if field in explicit else set()
            _unset(f"{prefix}.{field}", nested, given, who, add)


def _decision_defaults(scenario: Scenario, add: Callable[..., None]) -> None:
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
