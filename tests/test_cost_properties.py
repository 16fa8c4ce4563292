"""Properties of the cost model over random workloads (hypothesis), on the 2026-08-19 catalog.

Token ranges keep output + reasoning under Fusion's max_completion_tokens (16,000) where a
property needs it: once an inner call is capped, more reasoning leaves a shorter panel answer,
so the analyst and answer calls read less and Fusion can get cheaper (documented behaviour, not
a monotone quantity).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from estimator.api import Options, estimate
from estimator.costing.context import context_limits
from estimator.costing.plans import exact_per_request, vectorised_per_request
from estimator.pricing.catalog import Catalog
from estimator.scenario.build import build_all
from estimator.scenario.io import validate_scenario
from estimator.strategies.base import Strategy
from estimator.strategies.fusion import FusionStrategy
from estimator.workload.profile import Profile

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Models with every kind of price rule: time windows (deepseek-v4-pro), long-context tiers
# (gpt-5.6-sol at 272,000, gemini-3.1-pro at 200,000), internal_reasoning (sonar), no cache
# price (seed-2-1-turbo), native search fees (mini, opus, sol, gemini) and none (deepseek).
MODELS = (
    "openai/gpt-5.4-mini",
    "anthropic/claude-opus-5",
    "openai/gpt-5.6-sol",
    "google/gemini-3.1-pro-preview",
    "deepseek/deepseek-v4-pro",
    "perplexity/sonar-deep-research",
    "bytedance-seed/seed-2-1-turbo",
)

STRATEGY_SPECS: tuple[dict[str, Any], ...] = (
    {"single": {"model": "openai/gpt-5.4-mini"}},
    {"single": {"model": "openai/gpt-5.6-sol"}},
    {"single": {"model": "deepseek/deepseek-v4-pro"}},
    {"single": {"model": "google/gemini-3.1-pro-preview"}},
    {"single": {"model": "perplexity/sonar-deep-research"}},
    {
        "auto": {
            "allowed_models": [
                "openai/gpt-5.4-mini",
                "deepseek/deepseek-v4-pro",
                "openai/gpt-5.6-sol",
            ],
            "weights": {
                "openai/gpt-5.4-mini": 3,
                "deepseek/deepseek-v4-pro": 2,
                "openai/gpt-5.6-sol": 1,
            },
        }
    },
    {"fusion": {"preset": "general-high"}},
    {"fusion": {"preset": "general-budget", "tool_steps": 2.5}},
    {
        "fusion": {
            "analysis_models": ["deepseek/deepseek-v4-pro", "openai/gpt-5.6-sol"],
            "model": "openai/gpt-5.6-sol",
            "tool_steps": 1.5,
            "analyst_tool_steps": 0.5,
            "invocation_rate": 0.7,
            "fetches_per_step": 0.5,
            "search": {"engine": "exa", "results": 12},
            "panel_output_tokens": {"mean": 3000, "p95": 6000},
        }
    },
)

hours = st.one_of(
    st.just("uniform"),
    st.lists(st.integers(0, 9), min_size=24, max_size=24).filter(lambda w: sum(w) > 0),
)
shares = st.floats(0, 1, allow_nan=False)
prompts = st.integers(0, 350_000)  # crosses both long-context tiers
answers = st.integers(0, 8_000)
reasonings = st.integers(0, 8_000)  # answers + reasonings <= max_completion_tokens


def build(
    catalog: Catalog, specs: list[dict[str, Any]], **workload: Any
) -> tuple[Profile, list[Strategy]]:
    data = {
        "workload": {"requests_per_month": 1000, "input_tokens": 0, "output_tokens": 0, **workload},
        "strategies": [{"name": f"s{i}", **spec} for i, spec in enumerate(specs)],
    }
    scenario = validate_scenario(data, "property")
    return Profile.of(scenario.workload), build_all(scenario, catalog)


def costs(catalog: Catalog, specs: list[dict[str, Any]], **workload: Any) -> list[Decimal]:
    profile, strategies = build(catalog, specs, **workload)
    return [exact_per_request(s, profile, catalog) for s in strategies]


def runs(catalog: Catalog, specs: list[dict[str, Any]], **workload: Any) -> list[bool]:
    """Whether each strategy's every call holds the request in its model's context (one that
    does not stops at that call, unbilled from there on: cost drops, by design)."""
    profile, strategies = build(catalog, specs, **workload)
    found = []
    for strategy in strategies:
        largest = context_limits(strategy, profile, catalog).max_prompt_tokens
        found.append(largest is None or float(profile.input.mean) <= largest)
    return found


def traffic(h: Any, share: float, write: float | None = None, ttl: str = "5m") -> dict[str, Any]:
    """Hours and caching; `write` None leaves cache writes to models that write on their own."""
    shares: dict[str, Any] = {"hours_utc": h, "cached_input_share": share, "cache_ttl": ttl}
    if write is not None:
        shares["cache_write_share"] = min(write, 1 - share)
    return shares


writes = st.one_of(st.none(), st.floats(0, 1, allow_nan=False))
ttls = st.sampled_from(["5m", "1h"])


# --- monotone in the workload ----------------------------------------------------------------


@SETTINGS
@given(st.tuples(prompts, prompts), answers, reasonings, hours, shares)
def test_cost_is_monotone_in_input_tokens(
    catalog: Catalog, pair: tuple[int, int], out: int, reasoning: int, h: Any, share: float
) -> None:
    low, high = sorted(pair)
    # no automatic cache writes: GPT-5.6 starts caching at 1,024 prompt tokens, and in Fusion its
    # later calls then read the prefix back, so crossing 1,024 can make a request cheaper
    # (tests/test_cost_hand.py shows it); every other rule keeps cost monotone
    common = {"output_tokens": out, "reasoning_tokens": reasoning, **traffic(h, share, 0.0)}
    cheap = costs(catalog, list(STRATEGY_SPECS), input_tokens=low, **common)
    dear = costs(catalog, list(STRATEGY_SPECS), input_tokens=high, **common)
    fit = runs(catalog, list(STRATEGY_SPECS), input_tokens=high, **common)
    for spec, a, b, fits in zip(STRATEGY_SPECS, cheap, dear, fit, strict=True):
        assert a <= b or not fits, (spec, low, high)


@SETTINGS
@given(prompts, st.tuples(st.integers(0, 40_000), st.integers(0, 40_000)), reasonings, hours)
def test_cost_is_monotone_in_output_tokens(
    catalog: Catalog, prompt: int, pair: tuple[int, int], reasoning: int, h: Any
) -> None:
    low, high = sorted(pair)
    common = {"input_tokens": prompt, "reasoning_tokens": reasoning, "hours_utc": h}
    cheap = costs(catalog, list(STRATEGY_SPECS), output_tokens=low, **common)
    dear = costs(catalog, list(STRATEGY_SPECS), output_tokens=high, **common)
    for spec, a, b in zip(STRATEGY_SPECS, cheap, dear, strict=True):
        assert a <= b, (spec, low, high)


@SETTINGS
@given(prompts, answers, st.tuples(reasonings, reasonings), hours, shares)
def test_cost_is_monotone_in_reasoning_tokens(
    catalog: Catalog, prompt: int, out: int, pair: tuple[int, int], h: Any, share: float
) -> None:
    low, high = sorted(pair)
    common = {"input_tokens": prompt, "output_tokens": out, **traffic(h, share)}
    cheap = costs(catalog, list(STRATEGY_SPECS), reasoning_tokens=low, **common)
    dear = costs(catalog, list(STRATEGY_SPECS), reasoning_tokens=high, **common)
    fit = runs(catalog, list(STRATEGY_SPECS), reasoning_tokens=high, **common)
    for spec, a, b, fits in zip(STRATEGY_SPECS, cheap, dear, fit, strict=True):
        assert a <= b or not fits, (spec, low, high)
    # sonar-deep-research reasons: its reasoning tokens must cost something
    assert (low == high) or not fit[4] or cheap[4] < dear[4]


# --- monotone in the Fusion configuration ----------------------------------------------------


@SETTINGS
@given(
    st.lists(st.sampled_from(MODELS), min_size=1, max_size=8),
    st.sampled_from(MODELS),
    prompts,
    answers,
    reasonings,
    hours,
)
def test_fusion_cost_is_monotone_in_panel_size(
    catalog: Catalog,
    panel: list[str],
    analyst: str,
    prompt: int,
    out: int,
    reasoning: int,
    h: Any,
) -> None:
    workload = {"input_tokens": prompt, "output_tokens": out, "reasoning_tokens": reasoning}
    specs = [
        {"fusion": {"analysis_models": panel[:size], "model": analyst}}
        for size in range(1, len(panel) + 1)
    ]
    assume(all(runs(catalog, specs[-1:], hours_utc=h, **workload)))  # the largest panel runs
    by_list = costs(catalog, specs, hours_utc=h, **workload)
    assert by_list == sorted(by_list)
    assert len(set(by_list)) == len(by_list)  # every extra member costs something

    profile, (strategy,) = build(catalog, specs[:1], hours_utc=h, **workload)
    assert isinstance(strategy, FusionStrategy)
    sizes = [strategy.with_panel_size(size) for size in range(1, 9)]
    largest = context_limits(sizes[-1], profile, catalog).max_prompt_tokens
    assume(largest is None or prompt <= largest)
    by_size = [exact_per_request(s, profile, catalog) for s in sizes]
    assert by_size == sorted(by_size)
    assert by_size[0] == by_list[0]


@SETTINGS
@given(
    st.tuples(st.floats(0, 16, allow_nan=False), st.floats(0, 16, allow_nan=False)),
    st.sampled_from([s for s in STRATEGY_SPECS if "fusion" in s]),
    prompts,
    answers,
    hours,
)
def test_fusion_cost_is_monotone_in_tool_steps(
    catalog: Catalog,
    pair: tuple[float, float],
    spec: dict[str, Any],
    prompt: int,
    out: int,
    h: Any,
) -> None:
    low, high = sorted(pair)
    specs = [
        {"fusion": {**spec["fusion"], "max_tool_calls": 16, "tool_steps": steps}}
        for steps in (low, high)
    ]
    cheap, dear = costs(catalog, specs, input_tokens=prompt, output_tokens=out, hours_utc=h)
    assert cheap <= dear
    if high - low >= 0.01:
        assert cheap < dear  # every step costs a round trip and a search


@SETTINGS
@given(
    st.lists(st.sampled_from(MODELS), min_size=1, max_size=8),
    st.sampled_from(MODELS),
    st.floats(0, 4, allow_nan=False),
    prompts,
    answers,
    reasonings,
    hours,
    shares,
)
def test_fusion_costs_at_least_its_panel_as_single_calls(
    catalog: Catalog,
    panel: list[str],
    analyst: str,
    steps: float,
    prompt: int,
    out: int,
    reasoning: int,
    h: Any,
    share: float,
) -> None:
    fusion = {"fusion": {"analysis_models": panel, "model": analyst, "tool_steps": steps}}
    singles = [{"single": {"model": m}} for m in panel]
    workload = {"input_tokens": prompt, "output_tokens": out, "reasoning_tokens": reasoning}
    fused, *single_costs = costs(catalog, [fusion, *singles], **workload, **traffic(h, share))
    assume(runs(catalog, [fusion], **workload, **traffic(h, share))[0])
    assert fused >= sum(single_costs, Decimal(0))


# --- volume ----------------------------------------------------------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.sampled_from(STRATEGY_SPECS),
    st.sampled_from(["requests_per_month", "requests_per_day"]),
    prompts,
    answers,
    st.floats(-50, 200, allow_nan=False),
)
def test_zero_requests_cost_zero_per_month(
    catalog: Catalog, spec: dict[str, Any], volume: str, prompt: int, out: int, growth: float
) -> None:
    data = {
        "workload": {
            volume: 0,
            "input_tokens": prompt,
            "output_tokens": out,
            "monthly_growth_pct": growth,
        },
        "strategies": [{"name": "s", **spec}],
    }
    result = estimate(validate_scenario(data, "zero"), catalog, Options(samples=200, months=3))
    (strategy,) = result.strategies
    assert result.workload.requests_per_month == 0
    assert strategy.monthly_usd == 0
    assert strategy.monthly_band is None  # no input ranges, no band
    assert all(month.cost_usd["s"] == 0 for month in result.projection)
    runnable = strategy.context.cannot_run_share == 0  # one that cannot run is not billed
    assert strategy.per_request_usd > 0 or prompt + out == 0 or not runnable


# --- exact and vectorised paths agree --------------------------------------------------------


def assert_paths_agree(catalog: Catalog, spec: dict[str, Any], workload: dict[str, Any]) -> None:
    """The monthly total through the exact Decimal path and the float64 path, within $0.01."""
    profile, (strategy,) = build(catalog, [spec], **workload)
    exact = exact_per_request(strategy, profile, catalog) * profile.requests_per_month
    vectorised = vectorised_per_request(strategy, profile, catalog) * workload["requests_per_month"]
    assert abs(float(exact) - vectorised) <= 0.01, (spec, exact, vectorised)


token_specs = st.one_of(
    st.integers(0, 350_000),
    st.integers(1, 100_000).flatmap(
        lambda mean: st.builds(
            lambda ratio: {"mean": mean, "p95": int(mean * ratio)}, st.floats(1, 3.8)
        )
    ),
    st.lists(st.tuples(st.integers(0, 300_000), st.integers(1, 5)), min_size=1, max_size=4).map(
        lambda points: {"histogram": [list(p) for p in points]}
    ),
)


@SETTINGS
@given(
    st.sampled_from(STRATEGY_SPECS),
    token_specs,
    st.one_of(st.integers(0, 20_000), st.builds(lambda m: {"mean": m}, st.integers(0, 20_000))),
    st.integers(0, 20_000),
    hours,
    shares,
    st.integers(0, 10_000_000),
    writes,
    ttls,
)
@example(  # only the answer call crosses gpt-5.6-sol's 272,000-token tier
    {
        "fusion": {
            "analysis_models": ["openai/gpt-5.4-mini", "anthropic/claude-opus-5"],
            "model": "openai/gpt-5.6-sol",
            "tool_steps": 0,
            "panel_output_tokens": 15000,
        }
    },
    240_341,
    500,
    0,
    "uniform",
    0.0,
    10_000_000,
    None,
    "5m",
)
@example(
    {"single": {"model": "openai/gpt-5.6-sol"}}, 272_000, 500, 0, "uniform", 0.5, 10**7, 0.5, "1h"
)
@example(
    {"single": {"model": "openai/gpt-5.6-sol"}}, 272_001, 500, 0, "uniform", 0.2, 10**7, None, "5m"
)
@example(
    {"single": {"model": "deepseek/deepseek-v4-pro"}}, 2000, 500, 0, [1] * 24, 0.3, 10**7, 0.2, "5m"
)
def test_exact_and_vectorised_paths_agree_on_monthly_totals(
    catalog: Catalog,
    spec: dict[str, Any],
    prompt: Any,
    out: Any,
    reasoning: int,
    h: Any,
    share: float,
    requests: int,
    write: float | None,
    ttl: str,
) -> None:
    workload = {
        "requests_per_month": requests,
        "input_tokens": prompt,
        "output_tokens": out,
        "reasoning_tokens": reasoning,
        **traffic(h, share, write, ttl),
    }
    assert_paths_agree(catalog, spec, workload)


# --- every rule, on models built to exercise them -----------------------------------------------

RULE_MODELS: list[dict[str, Any]] = [
    {  # a discount, a request fee, native search, cache reads and both write TTLs
        "id": "acme/discounted",
        "pricing": {
            "prompt": "0.000003",
            "completion": "0.000012",
            "request": "0.0004",
            "web_search": "0.02",
            "input_cache_read": "0.0000003",
            "input_cache_write": "0.00000375",
            "input_cache_write_1h": "0.000006",
            "discount": 0.25,
        },
    },
    {  # half-hour windows, one wrapping midnight, and a tier without a cache price of its own
        "id": "acme/windows",
        "pricing": {
            "prompt": "0.000001",
            "completion": "0.000004",
            "input_cache_read": "0.0000001",
            "overrides": [
                {
                    "utc_start": 2230,
                    "utc_end": 130,
                    "prompt": "0.0000005",
                    "completion": "0.000002",
                },
                {"utc_start": 930, "utc_end": 1045, "prompt": "0.000002", "completion": "0.000008"},
                {"min_prompt_tokens": 100000, "prompt": "0.000003", "completion": "0.00001"},
            ],
        },
    },
    {  # reasoning billed at its own price, and a tier that raises completion (and reasoning)
        "id": "acme/reasoner",
        "reasoning": {"mandatory": True},
        "pricing": {
            "prompt": "0.000002",
            "completion": "0.00001",
            "internal_reasoning": "0.000004",
            "overrides": [
                {"min_prompt_tokens": 50000, "prompt": "0.000004", "completion": "0.00002"}
            ],
        },
    },
]
RULE_STRATEGIES: tuple[dict[str, Any], ...] = (
    {"single": {"model": "acme/discounted"}},
    {"single": {"model": "acme/windows"}},
    {"single": {"model": "acme/reasoner"}},
    {"auto": {"allowed_models": ["acme/*"], "weights": {"acme/discounted": 2, "acme/windows": 1}}},
    {
        "fusion": {
            "analysis_models": ["acme/discounted", "acme/windows", "acme/reasoner"],
            "model": "acme/reasoner",
            "tool_steps": 1.5,
            "fetches_per_step": 1,
            "search": {"engine": "parallel", "results": 14},
        }
    },
    {
        "fusion": {
            "analysis_models": ["acme/windows", "acme/discounted"],
            "model": "acme/discounted",
            "tool_steps": 1,
            "search": {"engine": "exa", "results": 12},
        }
    },
)


def rule_catalog() -> Catalog:
    from estimator.pricing.catalog import CatalogMeta
    from estimator.pricing.models import ModelInfo

    base = {
        "context_length": 1_000_000,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
    }
    meta = CatalogMeta(
        fetched_at="2026-08-19T00:00:00+00:00", source="rules", model_count=3, sha256="x"
    )
    return Catalog([ModelInfo.model_validate({**base, **m}) for m in RULE_MODELS], meta)


@SETTINGS
@given(
    st.sampled_from(RULE_STRATEGIES),
    token_specs,
    st.integers(0, 20_000),
    st.integers(0, 8_000),
    hours,
    shares,
    st.integers(0, 10_000_000),
    writes,
    ttls,
)
@example(RULE_STRATEGIES[1], 100_000, 500, 0, [0] * 9 + [1] + [0] * 14, 0.0, 10**7, None, "5m")
@example(RULE_STRATEGIES[1], 100_001, 500, 0, [0] * 22 + [1, 1], 0.5, 10**7, 0.5, "1h")
def test_exact_and_vectorised_paths_agree_under_every_rule(
    spec: dict[str, Any],
    prompt: Any,
    out: int,
    reasoning: int,
    h: Any,
    share: float,
    requests: int,
    write: float | None,
    ttl: str,
) -> None:
    catalog = rule_catalog()
    workload = {
        "requests_per_month": requests,
        "input_tokens": prompt,
        "output_tokens": out,
        "reasoning_tokens": reasoning,
        **traffic(h, share, write, ttl),
    }
    assert_paths_agree(catalog, spec, workload)
