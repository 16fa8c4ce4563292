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
    "workload.reasoning_tokens": _assumed(
        None,
        "each model thinks as much as its own reasoning profile (workload.reasoning_by_model); "
        "a number here makes every call of a model that reasons think that much instead",
    ),
    "workload.reasoning_by_model": _assumed(
        500,
        "a model that reasons by default with no real calls in the project's evidence thinks "
        "500 tokens a call: the median of the five models measured on 697 real calls "
        "(2026-08-07..10); set workload.reasoning_by_model.<model> or reasoning_tokens",
    ),
    "workload.cached_input_share": _assumed(
        0.0,
        "no prompt caching unless you say so, except by models that cache on their own "
        "(workload.cache_write_share)",
    ),
    "workload.cache_write_share": _assumed(
        None,
        "null: models that cache on their own (OpenAI GPT-5.6+, which write 'at 1.25x the price "
        f"of the original input pricing, even with automatic caching', {DOCS}guides/"
        "best-practices/prompt-caching) write 46.6% and read 42.6% of each call's new prompt "
        "tokens once its prompt has 1,024 or more, and read back what an earlier call of the "
        "same request sent: the pair measured on the 118 real gpt-5.6-terra calls of 1,024+ "
        "prompt tokens (2026-08-07..10); other models cache nothing. cache_write_share: 0 "
        "turns it off: giving either share replaces the pair, and both shares then apply to "
        "every model's shared prompt (an unset cache_write_share is 0)",
    ),
    "caching.automatic_write_share": _assumed(
        0.466,
        "measured: the 118 real gpt-5.6-terra calls of 1,024+ prompt tokens (2026-08-07..10) "
        "wrote 46.6% of their prompt tokens to the cache",
    ),
    "caching.automatic_read_share": _assumed(
        0.426,
        "measured: the same 118 real calls read 42.6% of their prompt tokens from the cache",
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
    "fusion.tool_steps": _assumed(
        2.0,
        "two web-tool steps (two searches) per panel member: calibrated on the real capture, "
        "whose inner calls cost $0.288: with each model's measured reasoning, 1 step prices "
        "them at about half that, 2 steps within 25% (the capture cannot tell steps from "
        "reasoning apart; the documented loop runs up to max_tool_calls, and so does this "
        "default: never more steps than a lower max_tool_calls allows)",
    ),
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
    "fusion.failed_models": _assumed(
        [],
        "every panel member answers; a member listed here fails on its last round trip as in "
        "the real capture (~openai/gpt-latest: 'Stream completed without producing any text'): "
        "that call bills nothing (a call with no output and an error is not billed for tokens, "
        f"{DOCS}guides/features/plugins/fusion), its earlier round trips and their searches "
        "('may still be billed') are billed",
    ),
    "fusion.panel_output_tokens": _assumed(
        None, "each panel member writes as much as the final answer (workload output_tokens)"
    ),
    "fusion.analysis_tokens": _assumed(1200, "the analyst's JSON (consensus, contradictions...)"),
    "fusion.overhead_tokens.tool_definition": _assumed(
        1190,
        "derived from the real capture (tests/data/real/fusion-response-2026-08-17.json): its "
        "outer calls read 5,227 tokens = 2 x (prompt + tool definition) + tool call + tool "
        "result; with the tool call and tool result counted from its texts, prompt + tool "
        "definition = 1,230 for a one-line question (~40 tokens)",
    ),
    "fusion.overhead_tokens.tool_call": _assumed(
        370,
        "derived from the real capture: the outer model wrote 822 tokens, 451 of them the final "
        "answer (its text counted), so the call to openrouter:fusion was ~371",
    ),
    "fusion.overhead_tokens.tool_result": _assumed(
        450,
        "derived from the real capture: its tool result counts ~2,395 tokens, of which the "
        "panel answers and the analysis are 1,941; the rest (the 5 sources' titles and URLs, "
        "the failed models, the JSON keys) ~454",
    ),
    "fusion.overhead_tokens.web_tools": _assumed(
        400,
        "the web_search / web_fetch definitions injected into each panel (and searching "
        "analyst) call; not measured",
    ),
    "fusion.overhead_tokens.search_call": _assumed(
        60, "one web_search call emitted inside a tool loop; not measured"
    ),
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


@dataclass(frozen=True)
class Measured:
    """Reasoning measured on real calls: the mean reasoning tokens per call, and its evidence.
    Completion tokens include reasoning in every bill, so the share is of completion tokens."""

    tokens: int  # mean reasoning tokens per call, rounded half up
    calls: int
    dates: str
    share_pct: float  # reasoning as a share of completion tokens
    evidence: str

    @property
    def source(self) -> str:
        return (
            f"measured on {self.calls} real call{'s' if self.calls != 1 else ''}, {self.dates} "
            f"({self.evidence}): {self.tokens:,} reasoning tokens a call, {self.share_pct:g}% "
            "of completion tokens"
        )


_USAGE = "tests/data/real/openrouter-usage-2026-08.jsonl"
# Recomputed from the files by tests/test_reasoning_profiles.py (which fails when they differ).
REASONING_MEASURED: dict[str, Measured] = {
    "google/gemini-3.1-pro-preview": Measured(1690, 162, "2026-08-07..10", 83.9, _USAGE),
    "z-ai/glm-5.2": Measured(1269, 10, "2026-08-07", 39.8, _USAGE),
    "x-ai/grok-4.5": Measured(500, 153, "2026-08-07..10", 39.3, _USAGE),
    "openai/gpt-5.6-terra": Measured(174, 223, "2026-08-07..10", 27.3, _USAGE),
    "anthropic/claude-fable-5": Measured(247, 149, "2026-08-07..10", 12.8, _USAGE),
    "anthropic/claude-opus-5": Measured(
        0, 2, "2026-08-17", 0, "the outer calls of tests/data/real/fusion-response-2026-08-17.json"
    ),
}
# Models of the same family as a measured one take its profile (an assumption, and labelled so):
# (glob on the concrete model id, the measured model).
REASONING_FAMILIES: tuple[tuple[str, str], ...] = (
    ("google/gemini-*-pro*", "google/gemini-3.1-pro-preview"),
    ("z-ai/glm-5*", "z-ai/glm-5.2"),
    ("x-ai/grok-4*", "x-ai/grok-4.5"),
    ("openai/gpt-5.6*", "openai/gpt-5.6-terra"),
    ("anthropic/claude-fable*", "anthropic/claude-fable-5"),
    ("anthropic/claude-opus*", "anthropic/claude-opus-5"),
)
