"""Turn a scenario's strategy specs into strategies bound to the catalog's models."""

from __future__ import annotations

from estimator.pricing.catalog import Catalog
from estimator.scenario import Scenario, StrategySpec
from estimator.strategies.auto import AutoStrategy
from estimator.strategies.base import Strategy
from estimator.strategies.fusion import FusionStrategy
from estimator.strategies.single import SingleStrategy


def build_strategy(spec: StrategySpec, catalog: Catalog, where: str | None = None) -> Strategy:
    """Bind a strategy to the catalog; `where` (file:line: field) prefixes its errors."""
    where = where or f"strategy {spec.name!r}"
    if spec.single is not None:
        return SingleStrategy.build(spec.name, spec.single, catalog, where)
    if spec.auto is not None:
        return AutoStrategy.build(spec.name, spec.auto, catalog, where)
    assert spec.fusion is not None
    return FusionStrategy.build(spec.name, spec.fusion, catalog, where)


def _field(spec: StrategySpec) -> tuple[str, ...]:
    return ("model",) if spec.single is not None else ()


def build_all(scenario: Scenario, catalog: Catalog) -> list[Strategy]:
    return [
        build_strategy(spec, catalog, scenario.locate("strategies", i, spec.kind, *_field(spec)))
        for i, spec in enumerate(scenario.strategies)
    ]
