"""The most one pilot call can cost, from the estimator's own call plans at their limits.

Every call carries `max_tokens` (Fusion's inner calls: `max_completion_tokens`), so each has
a finite worst case: its prompt (counted offline with o200k, times `TOKENIZER_MARGIN` for
models whose tokenizer counts more, plus chat overhead) at the highest prompt-side price the
model lists (a long-context tier, a cache write), every completion token at the highest
completion-side price, its request fee, and its web fees. Fusion runs every panel member and
the analyst to `max_tool_calls` tool steps, each inner answer as long as
`max_completion_tokens`, times `FUSION_MARGIN` (a step may search more than the plan's one
search). The Auto Router may pick any model it is allowed, whatever our assumed pool: the
bound is the dearest allowed model (without `allowed_models`, the dearest text model in the
catalog). A call billed above its bound stops the pilot.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from estimator.pricing.catalog import Catalog
from estimator.pricing.fees import SEARCH_FEES
from estimator.scenario.build import build_all
from estimator.scenario.spec import Scenario, StrategySpec
from estimator.strategies.callplan import Call
from estimator.workload.request import Request

TOKENIZER_MARGIN = Decimal("1.5")  # Claude's newer tokenizer counts up to 1.35x o200k
CHAT_OVERHEAD = 16  # tokens a request's framing may add
FUSION_MARGIN = Decimal(2)
PROMPT_SIDE = ("prompt", "input_cache_write", "input_cache_write_1h")
COMPLETION_SIDE = ("completion", "internal_reasoning")
DEAREST_SEARCH = max(step.usd for steps in SEARCH_FEES.values() for step in steps)


def _price(pricing: Any, keys: tuple[str, ...]) -> Decimal:
    tables = [pricing.prices, *(o.prices for o in pricing.overrides)]
    found = [t[k].value for t in tables for k in keys if k in t and not t[k].is_dynamic]
    return max(found, default=Decimal(0))


def call_bound(call: Call, catalog: Catalog) -> Decimal:
    """The most one call can cost: every token at its dearest price, plus fees."""
    pricing = catalog.get_exact(call.model).pricing
    tokens = Decimal(call.input_tokens) * _price(pricing, PROMPT_SIDE)
    tokens += (Decimal(call.output_tokens) + Decimal(call.reasoning_tokens)) * _price(
        pricing, COMPLETION_SIDE
    )
    search = max(_price(pricing, ("web_search",)), DEAREST_SEARCH)
    fees = _price(pricing, ("request",)) + Decimal(call.searches) * search
    fees += Decimal(call.fetches) * Decimal("0.001")
    return tokens + fees


def prompt_bound(counted: int) -> int:
    return int(Decimal(counted) * TOKENIZER_MARGIN) + CHAT_OVERHEAD


def at_limits(spec: StrategySpec, max_tokens: int) -> StrategySpec:
    """A Fusion strategy at its limits: every tool step taken, every inner answer full."""
    if spec.kind != "fusion":
        return spec
    fields: Any = spec.spec
    limit = fields.max_tool_calls
    widest = fields.model_copy(
        update={
            "tool_steps": float(limit),
            "analyst_tool_steps": float(limit),
            "panel_output_tokens": fields.max_completion_tokens,
            "analysis_tokens": fields.max_completion_tokens,
            "invocation_rate": 1.0,
        }
    )
    return spec.model_copy(update={"fusion": widest})


def bounds(
    scenario: Scenario, catalog: Catalog, prompt_tokens: int, max_tokens: int
) -> dict[str, Decimal]:
    """Each strategy's most expensive call for one prompt of `prompt_tokens` (o200k)."""
    widest = scenario.model_copy(
        update={"strategies": [at_limits(s, max_tokens) for s in scenario.strategies]}
    )
    request = Request(Decimal(prompt_bound(prompt_tokens)), Decimal(max_tokens))
    found = {}
    for spec, strategy in zip(widest.strategies, build_all(widest, catalog), strict=True):
        if spec.kind == "auto":  # the router may pick any allowed model, whatever our pool
            allowed = getattr(spec.spec, "allowed_models", None) or None
            found[spec.name] = _dearest_model(catalog, request, allowed)
            continue
        plan = strategy.expand(request)
        worst = max(
            sum((call_bound(c, catalog) for c in branch.calls), Decimal(0))
            for branch in plan.branches
        )
        found[spec.name] = worst * (FUSION_MARGIN if spec.kind == "fusion" else 1)
    return found


def _dearest_model(catalog: Catalog, request: Request, allowed: list[str] | None) -> Decimal:
    """The Auto Router may pick any model it is allowed: the dearest of them (without
    `allowed_models`, the dearest fixed-price text model of the catalog)."""
    if allowed:
        ids = {catalog.resolve(name).id for name in allowed}
        models = [catalog.get_exact(i) for i in ids]
    else:
        models = [m for m in catalog if m.is_text_model and not m.pricing.is_dynamic]
    worst = Decimal(0)
    for model in models:
        call = Call("auto", model.id, request.input_tokens, request.output_tokens)
        worst = max(worst, call_bound(call, catalog))
    return worst
