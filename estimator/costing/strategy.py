"""One strategy priced: its `StrategyResult` (per request exact, percentiles, breakdown, context,
warnings), and what OpenRouter charges besides tokens for a month of it."""

from __future__ import annotations

from decimal import Decimal

from estimator.costing.breakdown import breakdown, expected_breakdown, pool_range
from estimator.costing.context import billed_rooms, context_limits
from estimator.costing.integrate import expected_per_request, integrate, tokens_fixed
from estimator.costing.montecarlo import distribution, monte_carlo
from estimator.costing.one_call import versus_one_call
from estimator.costing.options import Options
from estimator.costing.plans import mean_plan, priced_plan, pricer_for
from estimator.costing.quadrature import at_mean
from estimator.documents.estimate import BillingFees, ModelUseInfo, StrategyResult
from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import byok_fee, credit_purchase_fee
from estimator.scenario.spec import Billing
from estimator.strategies.base import Strategy
from estimator.strategies.callplan import CallPlan
from estimator.strategies.registry import kind
from estimator.workload.profile import Profile


def warnings_of(strategy: Strategy, plan: CallPlan, catalog: Catalog) -> list[str]:
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
    name: str, strategy: Strategy, profile: Profile, catalog: Catalog, options: Options
) -> StrategyResult:
    """Everything an estimate says about one strategy: its expected cost per request over the
    workload (exact when every request is alike, else integrated over the token
    distributions), where it goes, the percentiles of one request's cost (seeded Monte Carlo),
    the calls of the mean request, and its context limits."""
    table = billed_rooms(strategy, profile, catalog)
    plan = mean_plan(strategy, profile, catalog, table)
    priced = priced_plan(plan, pricer_for(profile, catalog))
    rows, by_stage, tools, call_rows = breakdown(priced)
    found = integrate(strategy, profile, catalog, table=table)
    if not tokens_fixed(profile):
        nodes = at_mean(strategy, profile, catalog)
        centre = integrate(strategy, profile, catalog, nodes=nodes, table=table)
        rows, by_stage, tools = expected_breakdown(rows, found, centre)
    per_request = sum((row.cost_usd for row in rows), Decimal(0))
    costs = monte_carlo(strategy, profile, catalog, options.samples, options.seed)
    sampled = distribution(costs, options.samples, options.seed)
    context = context_limits(strategy, profile, catalog, found.context_share)
    warnings = warnings_of(strategy, plan, catalog) + context.overflows
    registered = kind(strategy.kind)
    invoked = plain = rate = None
    if registered.invoked is not None:  # a share of requests: the cost when it runs, and not
        invoked = expected_per_request(registered.invoked(strategy, 1.0), profile, catalog)
        plain = expected_per_request(registered.invoked(strategy, 0.0), profile, catalog)
        rate = float(getattr(getattr(strategy, "spec", None), "invocation_rate", 1.0))
    return StrategyResult(
        name=name,
        kind=strategy.kind,
        per_request_usd=per_request,
        monthly_usd=per_request * profile.requests_per_month,
        distribution=sampled,
        calls_per_request=plan.calls_per_request,
        multiplier_vs_baseline=None,
        range=pool_range(priced) if len(plan.branches) > 1 and not registered.premium else None,
        invocation_rate=rate,
        invoked_per_request_usd=invoked,
        plain_per_request_usd=plain,
        models=[ModelUseInfo(**m.describe()) for m in strategy.models()],
        breakdown=rows,
        by_stage=by_stage,
        web_tools_usd=tools,
        context=context,
        calls=call_rows,
        versus_one_call=versus_one_call(strategy, profile, catalog),
        warnings=warnings,
        notes=strategy.notes(),
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
