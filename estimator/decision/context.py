"""What every decision step reads: the scenario, the catalog, the workload and each strategy
both as priced (`results`) and as built (`strategies`, to price variants of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from estimator.costing.ranges import RangeEffect
from estimator.documents.estimate import StrategyResult
from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import DecisionSpec, Scenario
from estimator.strategies.base import Strategy
from estimator.strategies.registry import is_premium
from estimator.workload.profile import Profile


@dataclass(frozen=True)
class Context:
    scenario: Scenario
    catalog: Catalog
    profile: Profile
    results: dict[str, StrategyResult]
    strategies: dict[str, Strategy]
    ranges: list[RangeEffect] = field(default_factory=list)  # the user's {low, high} inputs

    @property
    def spec(self) -> DecisionSpec:
        return self.scenario.decision

    @property
    def requests(self) -> Decimal:
        return self.profile.requests_per_month

    def premium(self) -> list[StrategyResult]:
        """The strategies that buy quality with more calls (Fusion and its likes)."""
        return [r for r in self.results.values() if is_premium(r.kind)]

    def others(self) -> list[StrategyResult]:
        return [r for r in self.results.values() if not is_premium(r.kind)]
