"""Decision support: is Fusion worth it for this workload?

Expected total cost per request = cost + error_rate x cost_per_error + lambda x latency.
Fusion F pays off against S when the price of an error exceeds the break-even
(C_F - C_S + lambda (L_F - L_S)) / (err_S - err_F) (arXiv:2507.03834). The verdict picks the
strategy with the lowest expected total that fits the monthly budget and the latency budget;
without error rates it cannot credit Fusion with quality and says how much Fusion would have
to prevent to pay for itself.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from estimator.costing.estimate import Profile, exact_per_request
from estimator.decision.evidence import EVIDENCE
from estimator.decision.latency import LatencyModel, plan_latency, request_at, weighted_quantile
from estimator.documents.estimate import (
    BreakEven,
    Decision,
    ExpectedCost,
    LatencyInfo,
    PanelPoint,
    Sensitivity,
    StrategyResult,
    TornadoRow,
)
from estimator.pricing.catalog import Catalog
from estimator.renderers.fmt import ratio, usd
from estimator.scenario.spec import DecisionSpec, Scenario
from estimator.strategies.base import Strategy
from estimator.strategies.fusion import FusionStrategy

VERDICT_OF_KIND = {"fusion": "use-fusion", "auto": "use-auto-router", "single": "use-single-model"}
VARIATION = 0.5
REDUCTION_POINTS = (1, 2, 5, 10)  # error-rate cuts, in percentage points, for break-even tables
PANEL_SIZES = range(1, 9)


@dataclasses.dataclass(frozen=True)
class Context:
    scenario: Scenario
    catalog: Catalog
    profile: Profile
    results: dict[str, StrategyResult]
    strategies: dict[str, Strategy]

    @property
    def spec(self) -> DecisionSpec:
        return self.scenario.decision

    @property
    def requests(self) -> Decimal:
        return self.profile.requests_per_month


def latencies(ctx: Context) -> dict[str, LatencyInfo]:
    spec = ctx.spec
    per_model = {}
    for name, speed in spec.models.items():
        where = ctx.scenario.locate("decision", "models", name)
        from estimator.strategies.base import resolve_priced

        per_model[resolve_priced(ctx.catalog, name, "latency", where).id] = speed
    model = LatencyModel(spec, per_model)
    p = ctx.profile
    at = {
        "p50": request_at(p.input.quantile(0.5), p.output.quantile(0.5), p.reasoning.quantile(0.5)),
        "p95": request_at(
            p.input.quantile(0.95), p.output.quantile(0.95), p.reasoning.quantile(0.95)
        ),
    }
    out: dict[str, LatencyInfo] = {}
    budget = spec.latency_budget_s
    for name, strategy in ctx.strategies.items():
        p50_values, slowest = plan_latency(strategy.expand(at["p50"]), model)
        p95_values, _ = plan_latency(strategy.expand(at["p95"]), model)
        mean_values, _ = plan_latency(strategy.expand(p.mean_request()), model)
        p50, p95 = weighted_quantile(p50_values, 0.5), weighted_quantile(p95_values, 0.95)
        within = None
        if budget is not None and (budget.p50 is not None or budget.p95 is not None):
            within = (budget.p50 is None or p50 <= budget.p50) and (
                budget.p95 is None or p95 <= budget.p95
            )
        invoked_s = plain_s = None
        if isinstance(strategy, FusionStrategy):
            invoked_s = _mean_s(strategy.with_invocation_rate(1.0), p, model)
            plain_s = _mean_s(strategy.with_invocation_rate(0.0), p, model)
        out[name] = LatencyInfo(
            p50_s=round(p50, 3),
            p95_s=round(p95, 3),
            mean_s=round(sum(v * float(w) for v, w in mean_values), 3),
            invoked_mean_s=invoked_s,
            plain_mean_s=plain_s,
            multiplier_vs_baseline=None,
            within_budget=within,
            slowest_stage=slowest,
        )
    base = out[ctx.scenario.baseline_name].p50_s
    for info in out.values():
        info.multiplier_vs_baseline = round(info.p50_s / base, 3) if base else None
    return out


def _mean_s(strategy: Strategy, profile: Profile, model: LatencyModel) -> float:
    values, _ = plan_latency(strategy.expand(profile.mean_request()), model)
    return round(sum(v * float(w) for v, w in values), 3)


def expected_costs(ctx: Context, latency: dict[str, LatencyInfo]) -> list[ExpectedCost]:
    spec = ctx.spec
    rates = spec.error_rates() or {}
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    rows = []
    for name, result in ctx.results.items():
        rate = rates.get(name)
        latency_cost = lam * Decimal(str(latency[name].mean_s))
        error_cost = None
        total = None
        if rate is not None and spec.cost_per_error_usd is not None:
            error_cost = Decimal(str(rate)) * Decimal(str(spec.cost_per_error_usd))
            total = result.per_request_usd + error_cost + latency_cost
        fits_budget = None
        if spec.monthly_budget_usd is not None:
            fits_budget = result.monthly_paid_usd <= Decimal(str(spec.monthly_budget_usd))
        rows.append(
            ExpectedCost(
                strategy=name,
                kind=result.kind,
                per_request_usd=result.per_request_usd,
                error_rate=rate,
                error_cost_per_request_usd=error_cost,
                latency_cost_per_request_usd=latency_cost,
                total_per_request_usd=total,
                total_monthly_usd=None if total is None else total * ctx.requests,
                fits_budget=fits_budget,
                fits_latency=latency[name].within_budget,
            )
        )
    return rows


def break_even(ctx: Context, latency: dict[str, LatencyInfo]) -> list[BreakEven]:
    spec = ctx.spec
    rates = spec.error_rates() or {}
    lam = Decimal(str(spec.value_of_latency_usd_per_s))
    rows = []
    for fusion in (r for r in ctx.results.values() if r.kind == "fusion"):
        for other in (r for r in ctx.results.values() if r.kind != "fusion"):
            d_cost = fusion.per_request_usd - other.per_request_usd
            d_latency = latency[fusion.name].mean_s - latency[other.name].mean_s
            premium = d_cost + lam * Decimal(str(d_latency))
            d_error = None
            per_error = None
            if fusion.name in rates and other.name in rates:
                gap = Decimal(str(rates[other.name])) - Decimal(str(rates[fusion.name]))
                d_error = float(gap)
                if gap > 0:
                    per_error = max(Decimal(0), premium / gap)
            required = one_in = None
            if spec.cost_per_error_usd:
                required = float(premium / Decimal(str(spec.cost_per_error_usd)))
                one_in = (1 / required) if required > 0 else None
            rows.append(
                BreakEven(
                    fusion=fusion.name,
                    versus=other.name,
                    delta_cost_per_request_usd=d_cost,
                    delta_latency_s=round(d_latency, 3),
                    delta_error_rate=d_error,
                    usd_per_error=per_error,
                    required_error_reduction=required,
                    one_wrong_answer_in=one_in,
                    pays_at_reduction={
                        f"{points}%": max(Decimal(0), premium / (Decimal(points) / 100))
                        for points in REDUCTION_POINTS
                    },
                    note=_break_even_note(premium, d_error, per_error),
                )
            )
    return rows


def _break_even_note(premium: Decimal, d_error: float | None, per_error: Decimal | None) -> str:
    if d_error is None:
        return "no error rates given for both: break-even per error unknown"
    if d_error <= 0:
        return "Fusion is not more accurate here: it never pays for itself on quality"
    if premium <= 0:
        return "Fusion is cheaper (with latency valued) and more accurate: it always pays"
    return f"pays when one wrong answer costs more than {usd(per_error)}"


def _fits(row: ExpectedCost) -> bool:
    return row.fits_budget is not False and row.fits_latency is not False


def _key(row: ExpectedCost) -> Decimal:
    return (
        row.total_per_request_usd
        if row.total_per_request_usd is not None
        else (row.per_request_usd)
    )


def verdict(
    ctx: Context,
    expected: list[ExpectedCost],
    latency: dict[str, LatencyInfo],
    breaks: list[BreakEven],
) -> tuple[str, str, str | None, float | None, list[str]]:
    """(verdict, chosen strategy, fusion strategy considered, subset share, reasons)."""
    spec = ctx.spec
    rates = spec.error_rates() or {}
    by_name = {row.strategy: row for row in expected}
    fusions = [r for r in expected if r.kind == "fusion"]
    quality_known = spec.cost_per_error_usd is not None and bool(rates)
    ranked = [r for r in expected if not quality_known or r.error_rate is not None]
    feasible = [r for r in ranked if _fits(r)] or ranked
    best = min(feasible, key=_key)
    fusion = min((r for r in ranked if r.kind == "fusion"), key=_key, default=None)
    if fusion is not None and quality_known and fusion.error_rate is None:
        fusion = None
    reasons: list[str] = []
    base = ctx.results[ctx.scenario.baseline_name]
    share: float | None = None
    chosen = best
    result = VERDICT_OF_KIND[best.kind]

    if fusion is not None:
        f = ctx.results[fusion.strategy]
        extra = (f.per_request_usd - base.per_request_usd) * ctx.requests
        reasons.append(
            f"{f.name} costs {usd(f.per_request_usd)} per request, "
            f"{ratio(f.multiplier_vs_baseline)} the baseline {base.name} "
            f"({usd(base.per_request_usd)}): {usd(abs(extra))} "
            f"{'more' if extra >= 0 else 'less'} per month at "
            f"{float(ctx.requests):,.0f} requests."
        )
    if quality_known and fusion is not None and best.kind != "fusion":
        alt = best
        if _key(fusion) < _key(alt):
            share = _subset_share(ctx, fusion, alt)
            result, chosen = "fusion-for-a-subset", fusion
            problems = []
            if fusion.fits_budget is False:
                problems.append("over the monthly budget")
            if fusion.fits_latency is False:
                problems.append("too slow for the latency budget")
            why = " and ".join(problems) or "not feasible"
            reasons.insert(
                0,
                (
                    f"Per request, {fusion.strategy} is the best buy including errors "
                    f"({usd(fusion.total_per_request_usd)} vs {usd(alt.total_per_request_usd)} for "
                    f"{alt.strategy}), but for all traffic it is {why}: route "
                    + (
                        f"up to {share:.0%} of requests, the highest-stakes ones, "
                        if share
                        else "the highest-stakes requests that can wait "
                    )
                    + "through Fusion."
                ),
            )
        elif spec.high_stakes is not None:
            hs = _high_stakes(ctx, fusion, alt)
            if hs is not None:
                result, chosen, share = "fusion-for-a-subset", fusion, spec.high_stakes.share
                reasons.insert(0, hs)
    if result == VERDICT_OF_KIND.get(best.kind) and best.kind == "fusion" and quality_known:
        reasons.insert(
            0,
            (
                f"At {usd(spec.cost_per_error_usd)} per wrong answer, {best.strategy} has the "
                f"lowest expected cost including errors: {usd(best.total_per_request_usd)} per "
                "request."
            ),
        )
    elif result in VERDICT_OF_KIND.values():
        if quality_known:
            reasons.insert(
                0,
                (
                    f"{best.strategy} has the lowest expected cost including errors "
                    f"({usd(best.total_per_request_usd)} per request at "
                    f"{usd(spec.cost_per_error_usd)} per wrong answer)"
                    + (
                        f"; {fusion.strategy} comes to {usd(fusion.total_per_request_usd)}."
                        if fusion is not None
                        else "."
                    )
                ),
            )
        else:
            reasons.insert(
                0,
                (
                    "No error rates given, so Fusion's quality cannot be credited: "
                    f"{best.strategy} is the cheapest option that fits "
                    f"({usd(best.per_request_usd)} per request)."
                ),
            )
    reasons += _break_even_reasons(ctx, breaks, fusion.strategy if fusion else None, best)
    reasons += _budget_reasons(ctx, by_name, latency)
    if not ranked or not [r for r in ranked if _fits(r)]:
        reasons.append(
            "No strategy fits both the budget and the latency budget; the cheapest is shown."
        )
    fusion_name = fusion.strategy if fusion else (fusions[0].strategy if fusions else None)
    return result, chosen.strategy, fusion_name, share, reasons


def _subset_share(ctx: Context, fusion: ExpectedCost, alt: ExpectedCost) -> float | None:
    budget = ctx.spec.monthly_budget_usd
    if budget is None or fusion.fits_budget is not False:
        return None
    f, a = ctx.results[fusion.strategy].monthly_usd, ctx.results[alt.strategy].monthly_usd
    if f <= a:
        return None
    return max(0.0, min(1.0, float((Decimal(str(budget)) - a) / (f - a))))


def _high_stakes(ctx: Context, fusion: ExpectedCost, alt: ExpectedCost) -> str | None:
    hs = ctx.spec.high_stakes
    assert hs is not None and fusion.error_rate is not None and alt.error_rate is not None
    gap = Decimal(str(alt.error_rate)) - Decimal(str(fusion.error_rate))
    gain = gap * Decimal(str(hs.cost_per_error_usd))
    premium = (
        fusion.per_request_usd
        - alt.per_request_usd
        + (fusion.latency_cost_per_request_usd - alt.latency_cost_per_request_usd)
    )
    if gain <= premium:
        return None
    share = Decimal(str(hs.share))
    monthly = (alt.per_request_usd + share * (fusion.per_request_usd - alt.per_request_usd)) * (
        ctx.requests
    )
    budget = ctx.spec.monthly_budget_usd
    if budget is not None and monthly > Decimal(str(budget)):
        return None
    return (
        f"For the high-stakes {hs.share:.0%} of traffic (a wrong answer costs "
        f"{usd(hs.cost_per_error_usd)}), {fusion.strategy} prevents errors worth "
        f"{usd(gain)} per request for {usd(premium)} more: route that slice through Fusion "
        f"({usd(monthly)} per month in all)."
    )


def _break_even_reasons(
    ctx: Context, breaks: list[BreakEven], fusion: str | None, best: ExpectedCost
) -> list[str]:
    if fusion is None:
        return []
    reasons = []
    versus = best.strategy if best.kind != "fusion" else ctx.scenario.baseline_name
    row = next((b for b in breaks if b.fusion == fusion and b.versus == versus), None)
    if row is None:
        row = next((b for b in breaks if b.fusion == fusion), None)
    if row is None:
        return []
    spec = ctx.spec
    if row.usd_per_error is not None:
        stated = f" (you said {usd(spec.cost_per_error_usd)})" if spec.cost_per_error_usd else ""
        reasons.append(
            f"Break-even against {row.versus}: Fusion pays off when a wrong answer costs more "
            f"than {usd(row.usd_per_error)}{stated}, given error rates "
            f"{(row.delta_error_rate or 0):.1%} apart."
        )
    elif row.one_wrong_answer_in is not None:
        reasons.append(
            f"At {usd(spec.cost_per_error_usd)} per wrong answer, Fusion must prevent one wrong "
            f"answer in every {row.one_wrong_answer_in:,.0f} requests (an error-rate cut of "
            f"{row.required_error_reduction:.2%}) to pay for itself against {row.versus}."
        )
    else:
        reasons.append(
            f"Give decision.cost_per_error_usd and error rates: Fusion costs "
            f"{usd(row.delta_cost_per_request_usd)} more per request than {row.versus}, so it "
            f"pays at $10 per error only if it prevents one wrong answer in every "
            f"{_one_in(row.delta_cost_per_request_usd, 10)} requests."
        )
    return reasons


def _one_in(premium: Decimal, cost_per_error: float) -> str:
    if premium <= 0:
        return "any number of"
    return f"{float(Decimal(str(cost_per_error)) / premium):,.0f}"


def _budget_reasons(
    ctx: Context, by_name: dict[str, ExpectedCost], latency: dict[str, LatencyInfo]
) -> list[str]:
    spec = ctx.spec
    reasons = []
    if spec.monthly_budget_usd is not None:
        over = [n for n, r in by_name.items() if r.fits_budget is False]
        if over:
            worst = max(over, key=lambda n: ctx.results[n].monthly_usd)
            reasons.append(
                f"Budget {usd(spec.monthly_budget_usd)}/month: {', '.join(over)} "
                f"exceed it ({worst} needs {usd(ctx.results[worst].monthly_usd)})."
            )
        else:
            reasons.append(f"Every strategy fits the {usd(spec.monthly_budget_usd)} budget.")
    budget = spec.latency_budget_s
    if budget is not None:
        slow = [n for n, info in latency.items() if info.within_budget is False]
        for name in slow[:2]:
            info = latency[name]
            reasons.append(
                f"Latency: {name} takes about {info.p50_s:.1f} s (p50) / {info.p95_s:.1f} s (p95)"
                f" against a budget of {budget.p50 or '-'} s / {budget.p95 or '-'} s."
            )
    return reasons


# -- sensitivity -------------------------------------------------------------------------------


def _fusion_variant(strategy: FusionStrategy, **update: Any) -> FusionStrategy:
    return dataclasses.replace(strategy, spec=strategy.spec.model_copy(update=update))


def sensitivity(ctx: Context, fusion_name: str) -> Sensitivity:
    """How Fusion's monthly premium over the baseline moves when each driver moves +-50%."""
    fusion = ctx.strategies[fusion_name]
    assert isinstance(fusion, FusionStrategy)
    base_name = ctx.scenario.baseline_name
    if base_name == fusion_name:
        base_name = next((n for n, r in ctx.results.items() if r.kind != "fusion"), base_name)
    baseline = ctx.strategies[base_name]
    profile, catalog = ctx.profile, ctx.catalog

    def delta(f: Strategy, b: Strategy, p: Profile) -> Decimal:
        return (exact_per_request(f, p, catalog) - exact_per_request(b, p, catalog)) * (
            p.requests_per_month
        )

    spec = fusion.spec
    panel_base = (
        profile.output.mean
        if spec.panel_output_tokens is None
        else Decimal(fusion.panel_output(profile.mean_request()))
    )

    def vary(driver: str, factor: Decimal) -> Decimal:
        f, p = fusion, profile
        if driver == "input tokens":
            p = dataclasses.replace(p, input=p.input.scaled(factor))
        elif driver == "output tokens":
            p = dataclasses.replace(p, output=p.output.scaled(factor))
        elif driver == "panel output tokens":
            f = _fusion_variant(fusion, panel_output_tokens=int(panel_base * factor))
        elif driver == "analysis tokens":
            f = _fusion_variant(fusion, analysis_tokens=int(spec.analysis_tokens * factor))
        elif driver == "tool steps":
            steps = min(float(spec.max_tool_calls), spec.tool_steps * float(factor))
            f = _fusion_variant(fusion, tool_steps=steps)
        elif driver == "tokens per search result":
            search = spec.search.model_copy(
                update={"tokens_per_result": int(spec.search.tokens_per_result * factor)}
            )
            f = _fusion_variant(fusion, search=search)
        elif driver == "volume":
            p = dataclasses.replace(p, requests_per_month=p.requests_per_month * factor)
        elif driver == "invocation rate":
            f = _fusion_variant(
                fusion, invocation_rate=min(1.0, spec.invocation_rate * float(factor))
            )
        return delta(f, baseline, p)

    drivers = (
        "input tokens",
        "output tokens",
        "panel output tokens",
        "analysis tokens",
        "tool steps",
        "tokens per search result",
        "volume",
        "invocation rate",
    )
    low, high = Decimal(str(1 - VARIATION)), Decimal(str(1 + VARIATION))
    rows = []
    for driver in drivers:
        lo, hi = vary(driver, low), vary(driver, high)
        rows.append(
            TornadoRow(
                driver=driver,
                low_monthly_delta_usd=lo,
                high_monthly_delta_usd=hi,
                impact_usd=abs(hi - lo),
            )
        )
    rows.sort(key=lambda r: r.impact_usd, reverse=True)
    sweep = []
    for size in PANEL_SIZES:
        per_request = exact_per_request(fusion.with_panel_size(size), profile, catalog)
        sweep.append(
            PanelPoint(
                size=size,
                per_request_usd=per_request,
                monthly_usd=per_request * profile.requests_per_month,
            )
        )
    return Sensitivity(
        fusion=fusion_name,
        baseline=base_name,
        base_monthly_delta_usd=delta(fusion, baseline, profile),
        variation=VARIATION,
        tornado=rows,
        panel_sweep=sweep,
        pareto=pareto(ctx),
    )


def pareto(ctx: Context) -> list[str] | None:
    """Strategies no other beats on both monthly cost and error rate (needs error rates)."""
    rates = ctx.spec.error_rates()
    if not rates:
        return None
    points = [(ctx.results[n].monthly_usd, rate, n) for n, rate in rates.items()]
    frontier = []
    for cost, rate, name in points:
        dominated = any(c <= cost and r <= rate and (c < cost or r < rate) for c, r, _ in points)
        if not dominated:
            frontier.append((cost, name))
    return [name for _, name in sorted(frontier)]


def decide(
    scenario: Scenario,
    catalog: Catalog,
    profile: Profile,
    results: list[StrategyResult],
    strategies: list[Strategy],
) -> Decision:
    ctx = Context(
        scenario,
        catalog,
        profile,
        {r.name: r for r in results},
        {r.name: s for r, s in zip(results, strategies, strict=True)},
    )
    latency = latencies(ctx)
    expected = expected_costs(ctx, latency)
    breaks = break_even(ctx, latency)
    result, chosen, fusion_name, share, reasons = verdict(ctx, expected, latency, breaks)
    table: dict[str, dict[str, Decimal | None]] = {}
    for row in breaks:
        table.setdefault(row.fusion, {})[row.versus] = row.usd_per_error
    return Decision(
        verdict=result,  # type: ignore[arg-type]
        reasons=reasons,
        fusion_strategy=fusion_name,
        chosen_strategy=chosen,
        subset_share=share,
        cost_per_error_usd=None
        if scenario.decision.cost_per_error_usd is None
        else Decimal(str(scenario.decision.cost_per_error_usd)),
        value_of_latency_usd_per_s=scenario.decision.value_of_latency_usd_per_s,
        monthly_budget_usd=None
        if scenario.decision.monthly_budget_usd is None
        else Decimal(str(scenario.decision.monthly_budget_usd)),
        expected=expected,
        break_even=breaks,
        break_even_usd_per_error=table,
        latency_s=latency,
        sensitivity=sensitivity(ctx, fusion_name) if fusion_name else None,
        evidence=list(EVIDENCE),
    )
