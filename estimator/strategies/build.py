"""Turn a scenario's strategy specs into strategies bound to the catalog's models."""

from __future__ import annotations

from estimator.pricing.catalog import Catalog
from estimator.scenario import StrategySpec
from estimator.strategies.auto import AutoStrategy
from estimator.strategies.base import Strategy
from estimator.strategies.fusion import FusionStrategy
from estimator.strategies.single import SingleStrategy


def build_strategy(spec: StrategySpec, catalog: Catalog) -> Strategy:
    if spec.single is not None:
        return SingleStrategy.build(spec.name, spec.single, catalog)
    if spec.auto is not None:
        return AutoStrategy.build(spec.name, spec.auto, catalog)
    assert spec.fusion is not None
    return FusionStrategy.build(spec.name, spec.fusion, catalog)
