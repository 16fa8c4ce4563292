"""Turn a scenario's strategy specs into strategies bound to the catalog's models."""

from __future__ import annotations

from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario, StrategySpec, distribution_of
from estimator.strategies.auto import TYPICAL_REQUEST, AutoStrategy
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import Request
from estimator.strategies.fusion import FusionStrategy
from estimator.strategies.single import SingleStrategy


def build_strategy(
    spec: StrategySpec,
    catalog: Catalog,
    where: str | None = None,
    request: Request = TYPICAL_REQUEST,
) -> Strategy:
    """Bind a strategy to the catalog; `where` (file:line: field) prefixes its errors;
    `request` is the mean request the Auto Router's cost tiers are ranked for."""
    where = where or f"strategy {spec.name!r}"
    if spec.single is not None:
        return SingleStrategy.build(spec.name, spec.single, catalog, where)
    if spec.auto is not None:
        return AutoStrategy.build(spec.name, spec.auto, catalog, where, request)
    assert spec.fusion is not None
    return FusionStrategy.build(spec.name, spec.fusion, catalog, where)


def _field(spec: StrategySpec) -> tuple[str, ...]:
    return ("model",) if spec.single is not None else ()


def mean_request(scenario: Scenario) -> Request:
    """The scenario's mean request (the typical one when it gives no tokens at all)."""
    w = scenario.workload
    request = Request(
        distribution_of(w.input_tokens).mean,
        distribution_of(w.output_tokens).mean,
        distribution_of(w.reasoning_tokens).mean,
    )
    if not request.input_tokens and not request.output_tokens:
        return TYPICAL_REQUEST
    return request


def build_all(scenario: Scenario, catalog: Catalog) -> list[Strategy]:
    request = mean_request(scenario)
    return [
        build_strategy(
            spec, catalog, scenario.locate("strategies", i, spec.kind, *_field(spec)), request
        )
        for i, spec in enumerate(scenario.strategies)
    ]
