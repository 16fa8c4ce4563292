"""Every default the cost model uses, named once, with its source.

`documented=True` means OpenRouter documents the value (its source names the page);
`False` means it is our assumption, and every output that relied on it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from estimator.links import SCENARIO_DOCS

DOCS = "https://openrouter.ai/docs/"  # every documented default names its page under it
# how old a catalog may be before every priced output warns (--max-age-days; from the review
# with a price lock): a week, so a weekly refresh keeps it quiet
MAX_CATALOG_AGE_DAYS = 7.0


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
    "workload.cache_write_share": _assumed(
        None,
        "no cache writes unless you say so, except by models that write on their own "
        "(workload.auto_cache_write_share)",
    ),
    "workload.auto_cache_write_share": _assumed(
        0.466,
        "OpenAI GPT-5.6+ write automatically at 1.25x input"
        f" ({DOCS}guides/best-practices/prompt-caching); in 223 "
        "real gpt-5.6-terra calls (2026-08-07..10) 46.6% of the prompt tokens of calls with "
        "at least 1,024 of them were written (and 42.6% read); shorter prompts are not cached",
    ),
    "workload.cache_ttl": _doc(
        "5m",
        "writes at input_cache_write, the 5-minute TTL"
        f" ({DOCS}guides/best-practices/prompt-caching)",
    ),
    "workload.hours_utc": _assumed("uniform", "traffic spread evenly over the 24 UTC hours"),
    "workload.days_per_month": _assumed(30, "requests_per_day x 30 = requests per month"),
    # fusion (guides/routing/routers/fusion-router, guides/features/plugins/fusion)
    "fusion.preset": _doc(
        "general-high",
        f"Fusion is the Quality preset by default ({DOCS}guides/routing/routers/fusion-router)",
    ),
    "fusion.invocation_rate": _assumed(
        1.0,
        "fusion runs on every request: guaranteed only with tool_choice 'required'; with the "
        "alias or the plugin the outer model decides whether to fuse",
    ),
    "fusion.max_tool_calls": _doc(
        4,
        f"Fusion: max_tool_calls default 4, range 1-16 ({DOCS}guides/features/plugins/fusion)",
    ),
    "fusion.tool_steps": _assumed(1.0, "one web-tool step (one search) per panel member"),
    "fusion.analyst_tool_steps": _assumed(0.0, "the analyst answers without web tools"),
    "fusion.search.engine": _doc(
        "auto",
        f"web search: engine auto, native else Exa ({DOCS}guides/features/server-tools/web-search)",
    ),
    "fusion.search.results": _doc(
        5,
        f"web search: max_results default 5 ({DOCS}guides/features/server-tools/web-search)",
    ),
    "fusion.search.tokens_per_result": _assumed(
        750,
        "~3,000 characters per result (the docs say 2,000-4,000) / 4 characters per token"
        f" ({DOCS}guides/features/server-tools/web-search)",
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
        16000,
        "Fusion: max_completion_tokens 16000 per inner call, reasoning included"
        f" ({DOCS}guides/features/plugins/fusion)",
    ),
    "fusion.outer_model": _doc(
        None,
        "Fusion: with the alias the outer model is the preset's model; with the "
        f"server tool it is your model, and the analyst defaults to it"
        f" ({DOCS}guides/features/server-tools/fusion)",
    ),
    # self-consistency (Self-MoA, arXiv 2502.00674)
    "self_consistency.samples": _assumed(3, "three samples of the one model"),
    "self_consistency.sample_output_tokens": _assumed(
        None, "each sample as long as the final answer (workload output_tokens)"
    ),
    "self_consistency.select.output_tokens": _assumed(
        None, "the select call writes out the answer it picked (workload output_tokens)"
    ),
    "self_consistency.select.instructions_tokens": _assumed(
        200, "the select call's instructions (which answer is best, and why)"
    ),
    # a hand-rolled panel and judge
    "diy_panel.member_output_tokens": _assumed(
        None, "each member writes as much as the final answer (workload output_tokens)"
    ),
    "diy_panel.judge.instructions_tokens": _assumed(
        400, "the judge's instructions (rubric and answer format)"
    ),
    "diy_panel.web.engine": _doc(
        "auto",
        f"web search: engine auto, native else Exa ({DOCS}guides/features/server-tools/web-search)",
    ),
    "diy_panel.web.results": _doc(
        5,
        f"web search: max_results default 5 ({DOCS}guides/features/server-tools/web-search)",
    ),
    "diy_panel.web.tokens_per_result": _assumed(
        750,
        "~3,000 characters per result (the docs say 2,000-4,000) / 4 characters per token"
        f" ({DOCS}guides/features/server-tools/web-search)",
    ),
    # auto router (guides/routing/routers/auto-router)
    "auto.cost_tier": _doc(
        "low",
        f"Auto Router: unset cost_tier is about 'low' ({DOCS}guides/routing/routers/auto-router)",
    ),
    "auto.pool": _assumed(
        "text models with an Artificial Analysis index, priced within the tier's band",
        f"OpenRouter does not publish the pool; the bands: {SCENARIO_DOCS}",
    ),
    "auto.weights": _assumed("uniform", "every pool model equally likely"),
    # latency (OpenRouter publishes per-endpoint latency only to authenticated users)
    "latency.ttft_s": _assumed(1.0, "time to first token of any model you did not describe"),
    "latency.tokens_per_s": _assumed(60.0, "output speed of any model you did not describe"),
    "latency.search_s": _assumed(2.5, "one web search round trip inside a tool step"),
    "latency.fetch_s": _assumed(1.5, "one page fetch"),
    # billing (faq; guides/overview/auth/byok)
    "billing.credit_purchase": _assumed(
        "none",
        "credit purchase fees left out unless you say how you buy credits (card: 5.5%, at "
        "least $0.80 a purchase; crypto: 5%)",
    ),
    "billing.purchases_per_month": _assumed(1, "one credit purchase a month"),
    # decision
    "decision.cost_per_error_usd": _assumed(
        None, "unknown: give decision.cost_per_error_usd to get a verdict on quality"
    ),
    "decision.value_of_latency_usd_per_s": _assumed(0.0, "waiting costs nothing"),
    "decision.min_context_share": _assumed(
        0.99,
        "a strategy fits only if at least 99% of requests fit every call's context window "
        "(the rest would fail)",
    ),
    # estimation
    "estimate.samples": _assumed(20000, "Monte Carlo requests per strategy for percentiles"),
    "estimate.seed": _assumed(20260819, "fixed seed: the same scenario gives the same numbers"),
    "estimate.months": _assumed(12, "projection horizon"),
}


def default(name: str) -> Any:
    return DEFAULTS[name].value
