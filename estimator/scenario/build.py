"""Turn a scenario's strategy specs into strategies bound to the catalog's models, through the
kind registry (the kind's own `build`)."""

from __future__ import annotations

from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import Scenario, StrategySpec
from estimator.strategies.auto import TYPICAL_REQUEST
from estimator.strategies.base import Strategy
from estimator.strategies.registry import kind
from estimator.workload.profile import Profile
from estimator.workload.request import Request
from estimator.workload.spec import Workload


def build_strategy(
    spec: StrategySpec,
    catalog: Catalog,
    where: str | None = None,
    request: Request = TYPICAL_REQUEST,
) -> Strategy:
    """Bind a strategy to the catalog; `where` (file:line: field) prefixes its errors;
    `request` is the mean request it is built for (the Auto Router ranks its tiers for it)."""
    where = where or f"strategy {spec.name!r}"
    strategy: Strategy = kind(spec.kind).build(spec.name, spec.spec, catalog, where, request)
    return strategy


def mean_request(workload: Workload, catalog: Catalog | None = None) -> Request:
    """The workload's mean request, with its reasoning and hours (the typical one when it
    gives no tokens at all)."""
    request = Profile.of(workload, catalog=catalog).mean_request()
    if not request.input_tokens and not request.output_tokens:
        return TYPICAL_REQUEST
    return request


def build_all(scenario: Scenario, catalog: Catalog) -> list[Strategy]:
    request = mean_request(scenario.workload, catalog)
    return [
        build_strategy(
            spec,
            catalog,
            scenario.locate("strategies", i, spec.kind, *kind(spec.kind).error_field),
            request,
        )
        for i, spec in enumerate(scenario.strategies)
    ]
