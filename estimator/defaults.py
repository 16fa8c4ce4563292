"""Every default the cost model uses, named once, with its source.

`documented=True` means OpenRouter documents the value (FACTS.md names the page);
`False` means it is our assumption, and every output that relied on it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Default:
    value: Any
    source: str
    documented: bool


def _doc(value: Any, source: str) -> Default:
    return Default(value, source, True)


def _assumed(value: Any, why: str) -> Default:
    return Default(value, why, False)


DEFAULTS: dict[str, Default] = {
    # workload
    "workload.monthly_growth_pct": _assumed(0.0, "no growth unless you say so"),
    "workload.reasoning_tokens": _assumed(0, "no reasoning tokens unless you say so"),
    "workload.cached_input_share": _assumed(0.0, "no prompt caching unless you say so"),
    "workload.hours_utc": _assumed("uniform", "traffic spread evenly over the 24 UTC hours"),
    "workload.days_per_month": _assumed(30, "requests_per_day x 30 = requests per month"),
    # fusion (guides/routing/routers/fusion-router, guides/features/plugins/fusion)
    "fusion.preset": _doc("general-high", "FACTS.md Fusion: general-high (Quality) is the default"),
    "fusion.invocation_rate": _assumed(
        1.0, "fusion runs on every request (true with the alias or tool_choice=required)"
    ),
    "fusion.max_tool_calls": _doc(4, "FACTS.md Fusion: max_tool_calls default 4, range 1-16"),
    "fusion.tool_steps": _assumed(1.0, "one web-tool step (one search) per panel member"),
    "fusion.analyst_tool_steps": _assumed(0.0, "the analyst answers without web tools"),
    "fusion.search.engine": _doc("auto", "FACTS.md web tools: engine auto (native, else Exa)"),
    "fusion.search.results": _doc(5, "FACTS.md web tools: max_results default 5"),
    "fusion.search.tokens_per_result": _assumed(
        750, "~3,000 characters per result (FACTS.md: 2,000-4,000) / 4 characters per token"
    ),
    "fusion.fetches_per_step": _assumed(0.0, "no page fetches"),
    "fusion.tokens_per_fetch": _assumed(2000, "a fetched page adds ~2,000 input tokens"),
    "fusion.fetch_engine": _assumed("exa", "fetches billed at Exa's $1 per 1,000"),
    "fusion.panel_output_tokens": _assumed(
        None, "each panel member writes as much as the final answer (workload output_tokens)"
    ),
    "fusion.analysis_tokens": _assumed(1200, "the analyst's JSON (consensus, contradictions...)"),
    "fusion.overhead_tokens.tool_definition": _assumed(
        400, "the injected openrouter:fusion / web tool definitions"
    ),
    "fusion.overhead_tokens.tool_call": _assumed(60, "one emitted tool call"),
    "fusion.overhead_tokens.analyst_instructions": _assumed(600, "the analyst's instructions"),
    "fusion.max_completion_tokens": _doc(
        16000, "FACTS.md Fusion: max_completion_tokens 16000 per inner call, reasoning included"
    ),
    "fusion.outer_model": _doc(
        None, "FACTS.md Fusion: with the alias the outer model is the preset's model"
    ),
    # auto router (guides/routing/routers/auto-router)
    "auto.cost_tier": _doc("low", "FACTS.md Auto Router: unset cost_tier is about 'low'"),
    "auto.pool": _assumed(
        "text models with an Artificial Analysis index, priced within the tier's band",
        "OpenRouter does not publish the pool; see docs/scenario.md for the bands",
    ),
    "auto.weights": _assumed("uniform", "every pool model equally likely"),
    # latency (OpenRouter publishes per-endpoint latency only to authenticated users)
    "latency.ttft_s": _assumed(1.0, "time to first token of any model you did not describe"),
    "latency.tokens_per_s": _assumed(60.0, "output speed of any model you did not describe"),
    "latency.search_s": _assumed(2.5, "one web search round trip inside a tool step"),
    "latency.fetch_s": _assumed(1.5, "one page fetch"),
    # decision
    "decision.cost_per_error_usd": _assumed(
        None, "unknown: give decision.cost_per_error_usd to get a verdict on quality"
    ),
    "decision.value_of_latency_usd_per_s": _assumed(0.0, "waiting costs nothing"),
    # estimation
    "estimate.samples": _assumed(20000, "Monte Carlo requests per strategy for percentiles"),
    "estimate.seed": _assumed(20260819, "fixed seed: the same scenario gives the same numbers"),
    "estimate.months": _assumed(12, "projection horizon"),
}

# Web tool fees in USD (FACTS.md "Web tools used by the panel"; all documented).
SEARCH_FEES: dict[str, Decimal] = {
    "exa": Decimal("0.007"),
    "exa-deep": Decimal("0.012"),
    "exa-deep-reasoning": Decimal("0.015"),
    "parallel": Decimal("0.005"),
    "parallel-fast": Decimal("0.001"),
    "perplexity": Decimal("0.005"),
}
EXA_INCLUDED_RESULTS = 10
EXA_EXTRA_RESULT_FEE = Decimal("0.001")
FETCH_FEES: dict[str, Decimal] = {
    "exa": Decimal("0.001"),
    "parallel": Decimal("0.001"),
    "openrouter": Decimal("0"),
}


def default(name: str) -> Any:
    return DEFAULTS[name].value
