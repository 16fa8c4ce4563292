"""`estimate`: a scenario priced against a catalog, one `Estimate` with every number explained.

The mean request is priced exactly (Decimal) through each strategy's CallPlan; percentiles come
from a seeded Monte Carlo over the token distributions and hours through the vectorised path;
monthly figures multiply the exact mean by the volume.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from estimator import __version__
from estimator.clock import now_utc
from estimator.costing.pricer import CallCost, Pricer, expected_vector_cost, vector_cost
from estimator.defaults import DEFAULTS, default
from estimator.documents.estimate import (
    Assumption,
    Band,
    BillingFees,
    BreakdownRow,
    CallRow,
    ContextInfo,
    Distribution,
    Estimate,
    ModelUseInfo,
    MonthRow,
    PricingInfo,
    RangeInfo,
    StageCost,
    StrategyResult,
    TokenInfo,
    WorkloadInfo,
)
from estimator.errors import UserError
from estimator.pricing.catalog import Catalog
from estimator.pricing.describe import describe_catalog
from estimator.pricing.fees import byok_fee, credit_purchase_fee, days_since_epoch
from estimator.pricing.rules import EXACT, VECTOR, day_pieces, window_edges
from estimator.scenario.spec import Billing, Scenario, StrategySpec, distribution_of
from estimator.strategies.base import Strategy
from estimator.strategies.build import build_all
from estimator.strategies.callplan import STAGES, CallPlan, Request
from estimator.strategies.fusion import FusionStrategy
from estimator.workload.distributions import Z95, TokenDistribution, auto_written, hour_weights

WEB_TOOLS = "web_tools"
MC_MEAN_WARN = 0.05
AUTO_WRITE_SHARE = Decimal(str(default("workload.auto_cache_write_share")))


@dataclass(frozen=True)
class Profile:
    """The workload as the cost model sees it: distributions, hours, caching, volume, and the
    date its fees are priced at (web search fees changed over time)."""

    input: TokenDistribution
    output: TokenDistribution
    reasoning: TokenDistribution
    hours: tuple[Decimal, ...]
    cached_share: Decimal
    requests_per_month: Decimal
    growth_pct: float
    write_share: Decimal | None = None  # None: only models that write on their own write
    cache_ttl: Literal["5m", "1h"] = "5m"
    when: datetime = datetime(2026, 8, 19, tzinfo=UTC)

    @classmethod
    def of(cls, scenario: Scenario, when: datetime | None = None) -> Profile:
        w = scenario.workload
        return cls(
            distribution_of(w.input_tokens),
            distribution_of(w.output_tokens),
            distribution_of(w.reasoning_tokens),
            hour_weights(w.hours_utc),
            Decimal(str(w.cached_input_share)),
            Decimal(str(w.monthly_requests)),
            w.monthly_growth_pct,
            None if w.cache_write_share is None else Decimal(str(w.cache_write_share)),
            w.cache_ttl,
            when or now_utc(),
        )

    def request(self, input_tokens: Any, output_tokens: Any, reasoning_tokens: Any) -> Request:
        """A request (Decimal means, or arrays of sampled requests) with its cache shares."""
        arith = EXACT if isinstance(input_tokens, Decimal | int) else VECTOR

        def share(value: Decimal) -> Any:
            return arith.constant(value)

        cached = input_tokens * share(self.cached_share)
        written = input_tokens * share(self.write_share or Decimal(0))
        auto = None
        if self.write_share is None:
            auto = auto_written(input_tokens, cached, share(AUTO_WRITE_SHARE), arith)
        return Request(
            input_tokens, output_tokens, reasoning_tokens, cached, written, auto, self.cache_ttl
        )

    def mean_request(self) -> Request:
        return self.request(self.input.mean, self.output.mean, self.reasoning.mean)

    @property
    def days(self) -> float:
        """The pricing date in days since the epoch, for the vectorised fee lookup."""
        return days_since_epoch(self.when)


MAX_SAMPLES = 1_000_000


@dataclass(frozen=True)
class Options:
    samples: int = default("estimate.samples")
    seed: int = default("estimate.seed")
    months: int = default("estimate.months")
    max_age_days: float = 7.0

    def __post_init__(self) -> None:
        if not 1 <= self.samples <= MAX_SAMPLES:
            raise UserError(f"samples must be 1 to {MAX_SAMPLES:,}, not {self.samples}")
        if not 0 <= self.seed < 2**63:
            raise UserError(f"seed must be a whole number from 0, not {self.seed}")
        if not 1 <= self.months <= 120:
            raise UserError(f"months must be 1 to 120, not {self.months}")
        if not (math.isfinite(self.max_age_days) and self.max_age_days >= 0):
            raise UserError(f"max_age_days must be a number of days, not {self.max_age_days}")


def priced_plan(plan: CallPlan, pricer: Pricer) -> list[tuple[Decimal, str, list[CallCost]]]:
    return [(b.probability, b.label, [pricer.price(c) for c in b.calls]) for b in plan.branches]


def expected_cost(priced: Iterable[tuple[Decimal, str, list[CallCost]]]) -> Decimal:
    return sum(
        (p * sum((c.total for c in costs), Decimal(0)) for p, _, costs in priced), Decimal(0)
    )


def pricer_for(profile: Profile, catalog: Catalog) -> Pricer:
    return Pricer(catalog, profile.hours, profile.when)


def exact_per_request(strategy: Strategy, profile: Profile, catalog: Catalog) -> Decimal:
    """The exact expected USD of the mean request under `strategy`."""
    pricer = pricer_for(profile, catalog)
    return expected_cost(priced_plan(strategy.expand(profile.mean_request()), pricer))


def vectorised_per_request(strategy: Strategy, profile: Profile, catalog: Catalog) -> float:
    """The same figure through the float64 path: the mean request priced at every piece of the
    day over which the plan's prices are constant, weighted by the traffic."""
    import numpy as np

    plan = strategy.expand(profile.mean_request())
    edges: set[int] = set()
    for branch in plan.branches:
        for call in branch.calls:
            edges |= window_edges(catalog.get_exact(call.model).pricing)
    pieces = day_pieces(edges, profile.hours)
    n = len(pieces)
    mean = profile.request(
        np.full(n, float(profile.input.mean)),
        np.full(n, float(profile.output.mean)),
        np.full(n, float(profile.reasoning.mean)),
    )
    minutes = np.array([minute for minute, _ in pieces], dtype=float)
    weights = np.array([float(weight) for _, weight in pieces])
    cost = expected_vector_cost(strategy.expand(mean).branches, catalog, minutes, profile.days)
    return float(np.dot(np.broadcast_to(cost, (n,)), weights))


def monte_carlo(
    strategy: Strategy, profile: Profile, catalog: Catalog, samples: int, seed: int
) -> Any:
    """Per-request USD of `samples` requests drawn from the workload (numpy array)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sampled = (
        profile.input.sample(rng, samples),
        profile.output.sample(rng, samples),
        profile.reasoning.sample(rng, samples),
    )
    weights = np.array([float(w) for w in profile.hours])
    hours = rng.choice(24, size=samples, p=weights / weights.sum())
    minutes = hours * 60 + rng.integers(0, 60, size=samples)  # windows may start mid-hour
    branches = strategy.expand(profile.request(*(a[:1] for a in sampled))).branches
    probabilities = np.array([float(b.probability) for b in branches])
    chosen = rng.choice(len(branches), size=samples, p=probabilities / probabilities.sum())
    cost = np.zeros(samples)
    for index in range(len(branches)):
        mask = chosen == index
        if not mask.any():
            continue
        # expand only the requests that took this branch: work stays ~ one pass over samples
        request = profile.request(*(a[mask] for a in sampled))
        branch = strategy.expand(request).branches[index]
        cost[mask] = sum(
            vector_cost(c, catalog.get_exact(c.model), minutes[mask], profile.days)
            for c in branch.calls
        )
    return cost


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _distribution(costs: Any, samples: int, seed: int) -> Distribution:
    import numpy as np

    p50, p95, p99 = np.percentile(costs, [50, 95, 99])
    return Distribution(
        method="seeded Monte Carlo over token distributions, hours and branches",
        samples=samples,
        seed=seed,
        mean_usd=_money(costs.mean()),
        p50_usd=_money(p50),
        p95_usd=_money(p95),
        p99_usd=_money(p99),
        sd_usd=_money(costs.std()),
    )


def _band(mean: Decimal, sd: Decimal, requests: Decimal) -> Band:
    spread = Decimal(Z95) * sd * Decimal(math.sqrt(float(requests)))
    return Band(
        p5_usd=max(Decimal(0), mean * requests - spread),
        p95_usd=mean * requests + spread,
        method="normal approximation of the sum of independent requests (Monte Carlo spread); "
        "excludes uncertainty in the token means themselves",
    )


def _breakdown(
    priced: list[tuple[Decimal, str, list[CallCost]]],
) -> tuple[list[BreakdownRow], list[StageCost], Decimal, list[CallRow]]:
    fields = ("calls", "input_tokens", "output_tokens", "reasoning_tokens", "cost_usd")
    rows: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(fields, Decimal(0))
    )
    stages: dict[str, Decimal] = defaultdict(Decimal)
    call_rows = []
    tools = Decimal(0)
    for probability, label, costs in priced:
        for cost in costs:
            call = cost.call
            row = rows[(call.stage, call.model)]
            row["calls"] += probability
            row["input_tokens"] += probability * Decimal(call.input_tokens)
            row["output_tokens"] += probability * Decimal(call.output_tokens)
            row["reasoning_tokens"] += probability * Decimal(call.reasoning_tokens)
            row["cost_usd"] += probability * cost.tokens_usd
            if cost.tools_usd:
                fees = rows[(WEB_TOOLS, call.model)]
                fees["calls"] += probability * (call.searches + call.fetches)
                fees["cost_usd"] += probability * cost.tools_usd
            stages[call.stage] += probability * cost.tokens_usd
            tools += probability * cost.tools_usd
            call_rows.append(
                CallRow(
                    branch=label,
                    probability=probability,
                    stage=call.stage,
                    model=call.model,
                    member=call.member,
                    step=call.step,
                    input_tokens=Decimal(call.input_tokens),
                    output_tokens=Decimal(call.output_tokens),
                    reasoning_tokens=Decimal(call.reasoning_tokens),
                    searches=call.searches,
                    fetches=call.fetches,
                    tokens_usd=cost.tokens_usd,
                    tools_usd=cost.tools_usd,
                    cost_usd=cost.total,
                )
            )
    order = {stage: i for i, stage in enumerate((*STAGES, WEB_TOOLS))}
    breakdown = [
        BreakdownRow(stage=stage, model=model, **values)
        for (stage, model), values in sorted(
            rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
        )
    ]
    by_stage = [StageCost(stage=s, cost_usd=stages[s]) for s in STAGES if s in stages]
    if tools:
        by_stage.append(StageCost(stage=WEB_TOOLS, cost_usd=tools))
    return breakdown, by_stage, tools, call_rows


def context_limits(strategy: Strategy, profile: Profile, catalog: Catalog) -> ContextInfo:
    """The largest prompt every call of the strategy can take, and overflows at the p95 prompt.

    Each call's input is affine in the prompt (I appears once), so expanding the plan at I = 0
    with p95 outputs gives each call's fixed load; the call with the least room binds.
    """
    out95 = Decimal(str(round(profile.output.quantile(0.95))))
    reasoning95 = Decimal(str(round(profile.reasoning.quantile(0.95))))
    plan = strategy.expand(
        Request(
            Decimal(0), max(out95, profile.output.mean), max(reasoning95, profile.reasoning.mean)
        )
    )
    best: tuple[Decimal, str] | None = None
    for branch in plan.branches:
        for call in branch.calls:
            model = catalog.get_exact(call.model)
            if not model.max_context:
                continue
            room = (
                Decimal(model.max_context)
                - Decimal(call.input_tokens)
                - Decimal(call.max_output_tokens or 0)
            )
            label = f"{call.stage} ({call.model})"
            if best is None or room < best[0]:
                best = (room, label)
    if best is None:
        return ContextInfo(max_prompt_tokens=None, binding_call=None)
    prompt95 = Decimal(str(round(profile.input.quantile(0.95))))
    overflows = []
    if best[0] < prompt95:
        overflows.append(
            f"a p95 prompt of {prompt95:,} tokens does not fit: {best[1]} has room for "
            f"{max(best[0], Decimal(0)):,.0f} prompt tokens"
        )
    return ContextInfo(
        max_prompt_tokens=int(max(best[0], Decimal(0))), binding_call=best[1], overflows=overflows
    )


def _range(priced: list[tuple[Decimal, str, list[CallCost]]]) -> RangeInfo:
    totals = [(sum((c.total for c in costs), Decimal(0)), label) for _, label, costs in priced]
    low, high = min(totals), max(totals)
    return RangeInfo(min_usd=low[0], min_model=low[1], max_usd=high[0], max_model=high[1])


def _warnings(strategy: Strategy, plan: CallPlan, catalog: Catalog) -> list[str]:
    warnings = []
    seen = set()
    for model_id in sorted({call.model for branch in plan.branches for call in branch.calls}):
        discount = catalog.get_exact(model_id).pricing.discount
        if discount:
            warnings.append(
                f"{model_id}: the catalog lists a discount of {discount:.0%}: every price of it "
                f"is multiplied by (1 - {discount}) (OpenRouter's pricing.discount)"
            )
    for branch in plan.branches:
        for call in branch.calls:
            model = catalog.get_exact(call.model)
            limit = model.max_completion_tokens
            wanted = Decimal(call.output_tokens) + Decimal(call.reasoning_tokens)
            if limit and wanted > limit and call.model not in seen:
                seen.add(call.model)
                warnings.append(
                    f"{call.stage} call of {call.model} wants {wanted:,.0f} output tokens; "
                    f"the model returns at most {limit:,}"
                )
    spec_cap = getattr(getattr(strategy, "spec", None), "max_completion_tokens", None)
    if spec_cap is not None:
        for branch in plan.branches:
            capped = [
                c
                for c in branch.calls
                if c.stage in ("panel", "analyze")
                and Decimal(c.output_tokens) + Decimal(c.reasoning_tokens) >= spec_cap
            ]
            if capped:
                warnings.append(
                    f"inner calls reach max_completion_tokens ({spec_cap:,}): their output is cut"
                )
                break
    return warnings


def strategy_result(
    spec: StrategySpec, strategy: Strategy, profile: Profile, catalog: Catalog, options: Options
) -> StrategyResult:
    pricer = pricer_for(profile, catalog)
    plan = strategy.expand(profile.mean_request())
    priced = priced_plan(plan, pricer)
    per_request = expected_cost(priced)
    breakdown, by_stage, tools, call_rows = _breakdown(priced)
    costs = monte_carlo(strategy, profile, catalog, options.samples, options.seed)
    distribution = _distribution(costs, options.samples, options.seed)
    warnings = _warnings(strategy, plan, catalog)
    if per_request and abs(distribution.mean_usd - per_request) > per_request * Decimal(
        MC_MEAN_WARN
    ):
        warnings.append(
            f"the mean over sampled requests (${distribution.mean_usd:.4f}) differs from the "
            f"cost of the mean request (${per_request:.4f}) by more than 5%: tiers or caps "
            "make cost non-linear in tokens"
        )
    context = context_limits(strategy, profile, catalog)
    warnings += context.overflows
    invoked = plain = None
    if isinstance(strategy, FusionStrategy):
        invoked = exact_per_request(strategy.with_invocation_rate(1.0), profile, catalog)
        plain = exact_per_request(strategy.with_invocation_rate(0.0), profile, catalog)
    return StrategyResult(
        name=spec.name,
        kind=spec.kind,
        per_request_usd=per_request,
        monthly_usd=per_request * profile.requests_per_month,
        monthly_band=_band(per_request, distribution.sd_usd, profile.requests_per_month),
        distribution=distribution,
        calls_per_request=plan.calls_per_request,
        multiplier_vs_baseline=None,
        range=_range(priced) if spec.kind == "auto" else None,
        invocation_rate=strategy.spec.invocation_rate if invoked is not None else None,  # type: ignore[attr-defined]
        invoked_per_request_usd=invoked,
        plain_per_request_usd=plain,
        models=[ModelUseInfo(**m.describe()) for m in strategy.models()],
        breakdown=breakdown,
        by_stage=by_stage,
        web_tools_usd=tools,
        context=context,
        calls=call_rows,
        warnings=warnings,
        notes=strategy.notes(),
    )


def _projection(results: list[StrategyResult], profile: Profile, months: int) -> list[MonthRow]:
    rows = []
    growth = Decimal(str(1 + profile.growth_pct / 100))
    for month in range(1, months + 1):
        # Decimal(0) ** 0 is undefined: month 1 is the volume itself, whatever the growth
        factor = growth ** (month - 1) if month > 1 else Decimal(1)
        requests = profile.requests_per_month * factor
        bands = {r.name: _band(r.per_request_usd, r.distribution.sd_usd, requests) for r in results}
        rows.append(
            MonthRow(
                month=month,
                requests=float(requests),
                cost_usd={r.name: r.per_request_usd * requests for r in results},
                p5_usd={name: band.p5_usd for name, band in bands.items()},
                p95_usd={name: band.p95_usd for name, band in bands.items()},
            )
        )
    return rows


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


def _token_info(dist: TokenDistribution) -> TokenInfo:
    return TokenInfo(**dist.describe())


def estimate(
    scenario: Scenario,
    catalog: Catalog,
    options: Options | None = None,
    source: str = "built-in example",
) -> Estimate:
    """Price every strategy of `scenario` against `catalog`."""
    options = options or Options()
    profile = Profile.of(scenario, now_utc())
    strategies = build_all(scenario, catalog)
    results = [
        strategy_result(spec, strategy, profile, catalog, options)
        for spec, strategy in zip(scenario.strategies, strategies, strict=True)
    ]
    for result in results:
        result.fees = billing_fees(scenario.billing, result.monthly_usd)
    baseline = next(r for r in results if r.name == scenario.baseline_name)
    for result in results:
        if baseline.per_request_usd:
            result.multiplier_vs_baseline = float(result.per_request_usd / baseline.per_request_usd)
    from estimator.decision.decide import decide

    decision = decide(scenario, catalog, profile, results, strategies)
    used = sorted({m.id for s in strategies for m in s.models()})
    info = describe_catalog(catalog, options.max_age_days)
    warnings = []
    if info["stale"]:
        warnings.append(
            f"the catalog is {info['age_days']:g} days old (older than {options.max_age_days:g}); "
            "run `fusion-cost prices refresh`"
        )
    w = scenario.workload
    return Estimate(
        tool_version=__version__,
        generated_at=now_utc().isoformat(timespec="seconds"),
        scenario={"name": scenario.name, "source": source},
        pricing=PricingInfo(**info),
        workload=WorkloadInfo(
            requests_per_month=float(profile.requests_per_month),
            monthly_growth_pct=w.monthly_growth_pct,
            input_tokens=_token_info(profile.input),
            output_tokens=_token_info(profile.output),
            reasoning_tokens=_token_info(profile.reasoning),
            cached_input_share=w.cached_input_share,
            hours_utc=w.hours_utc,
        ),
        baseline=scenario.baseline_name,
        strategies=results,
        projection=_projection(results, profile, options.months),
        assumptions=assumptions_used(scenario, strategies, catalog),
        warnings=warnings,
        prices_used={model_id: prices_of(catalog, model_id) for model_id in used},
        decision=decision,
    )


def billing_fees(billing: Billing, monthly: Decimal) -> BillingFees | None:
    """OpenRouter's fees besides tokens for a month of `monthly` USD of usage (None: not set).

    BYOK traffic is billed by the provider; OpenRouter charges 5% of its list-price value above
    the monthly allowance. Credits pay for the rest and for that fee, and buying them costs
    5.5% by card (at least $0.80 a purchase) or 5% in crypto.
    """
    if billing.credit_purchase == "none" and billing.byok is None:
        return None
    share = Decimal(str(billing.byok.share)) if billing.byok else Decimal(0)
    byok_usage = monthly * share
    byok = byok_fee(byok_usage, billing.byok.plan) if billing.byok else Decimal(0)
    credits = monthly - byok_usage + byok
    purchase = credit_purchase_fee(credits, billing.credit_purchase, billing.purchases_per_month)
    return BillingFees(
        usage_usd=monthly,
        byok_usage_usd=byok_usage,
        byok_fee_usd=byok,
        credits_usd=credits,
        credit_purchase_fee_usd=purchase,
        monthly_total_usd=monthly + byok + purchase,
    )


def prices_of(catalog: Catalog, model_id: str) -> dict[str, Decimal | None]:
    """A model's base prices as quoted (per 1M tokens; per unit for request/search/image)."""
    from estimator.pricing.describe import UNIT_PRICE_KEYS, per_million, unit

    prices = catalog.get_exact(model_id).pricing.prices
    return {
        key: unit(price) if key in UNIT_PRICE_KEYS else per_million(price)
        for key, price in sorted(prices.items())
    }
