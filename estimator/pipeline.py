"""The spine end to end: a scenario and a catalog in, one Estimate out.

Catalog -> Strategy (strategies/) -> CallPlan -> pricing (costing/) -> decision (decision/) ->
Estimate (documents/). Reasons come out as data; the library (api.py) and the renderers word
them. `check` and `replay` build on this; nothing here knows how a result is shown.
"""

from __future__ import annotations

from datetime import datetime

from estimator import __version__
from estimator.clock import now_utc
from estimator.costing.fallback import fallback_cost
from estimator.costing.options import Options
from estimator.costing.projection import projection
from estimator.costing.ranges import input_band, range_effects
from estimator.costing.strategy import billing_fees, strategy_result
from estimator.decision.decide import decide
from estimator.documents.estimate import (
    Estimate,
    InputRangeInfo,
    PricingInfo,
    StrategyResult,
    TokenInfo,
    WorkloadInfo,
)
from estimator.pricing.catalog import Catalog
from estimator.pricing.describe import describe_catalog, quoted_prices, stale_words
from estimator.scenario.assumptions import assumptions_used
from estimator.scenario.build import build_all
from estimator.scenario.ranges import dotted
from estimator.scenario.spec import Scenario
from estimator.strategies.base import Strategy
from estimator.workload.distributions import TokenDistribution
from estimator.workload.profile import Profile


def estimate(
    scenario: Scenario,
    catalog: Catalog,
    options: Options | None = None,
    source: str = "built-in example",
    when: datetime | None = None,
) -> Estimate:
    """Price every strategy of `scenario` against `catalog`, and decide between them.

    `when` is the date fees are priced at (default: now, or $FUSION_COST_NOW).
    """
    options = options or Options()
    moment = when or now_utc()
    profile = Profile.of(scenario.workload, moment, catalog)
    strategies = build_all(scenario, catalog)
    results = [
        strategy_result(spec.name, strategy, profile, catalog, options)
        for spec, strategy in zip(scenario.strategies, strategies, strict=True)
    ]
    _price_fallbacks(scenario, strategies, results, profile, catalog)
    effects = range_effects(scenario, catalog, moment)
    for result in results:
        result.fees = billing_fees(scenario.billing, result.monthly_usd)
        result.monthly_band = input_band(effects, result.name, result.monthly_usd)
    _against_baseline(results, scenario.baseline_name)
    decision = decide(scenario, catalog, profile, results, strategies, effects, options.what_if)
    used = sorted({m.id for s in strategies for m in s.models()})
    info = describe_catalog(catalog, options.max_age_days)
    warnings = []
    if info["stale"]:
        warnings.append(stale_words(info))
    return Estimate(
        tool_version=__version__,
        generated_at=moment.isoformat(timespec="seconds"),
        scenario={"name": scenario.name, "source": source},
        pricing=PricingInfo(**info),
        workload=_workload_info(scenario, profile),
        baseline=scenario.baseline_name,
        strategies=results,
        projection=projection(results, profile, options.months),
        assumptions=assumptions_used(scenario, strategies, catalog),
        input_ranges=[
            InputRangeInfo(
                input=r.input.label,
                path=dotted(r.input.path),
                low=r.input.low,
                high=r.input.high,
                point=r.input.point,
            )
            for r in effects
        ],
        warnings=warnings,
        prices_used={model_id: quoted_prices(catalog, model_id) for model_id in used},
        decision=decision,
        inputs={"scenario": scenario.model_dump(mode="json")},
    )


def _against_baseline(results: list[StrategyResult], name: str) -> None:
    baseline = next(r for r in results if r.name == name)
    for result in results:
        if baseline.per_request_usd:
            result.multiplier_vs_baseline = float(result.per_request_usd / baseline.per_request_usd)


def _price_fallbacks(
    scenario: Scenario,
    strategies: list[Strategy],
    results: list[StrategyResult],
    profile: Profile,
    catalog: Catalog,
) -> None:
    """The requests a strategy cannot run, priced on its declared `context_fallback`."""
    by_name = {spec.name: s for spec, s in zip(scenario.strategies, strategies, strict=True)}
    for spec, result in zip(scenario.strategies, results, strict=True):
        if spec.context_fallback is not None and result.context.cannot_run_share > 0:
            result.context.fallback = fallback_cost(
                spec.context_fallback,
                by_name[spec.name],
                by_name[spec.context_fallback],
                profile,
                catalog,
            )


def _token_info(dist: TokenDistribution) -> TokenInfo:
    return TokenInfo(**dist.describe())


def _workload_info(scenario: Scenario, profile: Profile) -> WorkloadInfo:
    w = scenario.workload
    return WorkloadInfo(
        requests_per_month=float(profile.requests_per_month),
        monthly_growth_pct=w.monthly_growth_pct,
        input_tokens=_token_info(profile.input),
        output_tokens=_token_info(profile.output),
        reasoning_tokens=_token_info(profile.reasoning) if profile.reasoning_given else None,
        cached_input_share=w.cached_input_share,
        hours_utc=w.hours_utc,
    )
